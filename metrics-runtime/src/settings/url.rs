//! The parts of a Pushgateway URL, read by hand so that settings can check the port without an
//! HTTP stack, and the URL as shown in messages and logs: a password is never shown.

/// `scheme://[userinfo@]host[:port][rest]`, each part as written.
pub(crate) struct UrlParts<'a> {
    pub(crate) scheme: &'a str,
    /// `user[:password]`, still percent-encoded.
    pub(crate) userinfo: Option<&'a str>,
    /// The host, with the brackets of an IPv6 address.
    pub(crate) host: &'a str,
    /// What follows the host's `:`, possibly empty or not a number.
    pub(crate) port: Option<&'a str>,
    /// The path (and anything after it), starting with `/`, `?` or `#`, or empty.
    pub(crate) rest: &'a str,
}

impl<'a> UrlParts<'a> {
    /// The parts of `url`, or `None` without `://`.
    pub(crate) fn split(url: &'a str) -> Option<Self> {
        let (scheme, after) = url.split_once("://")?;
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        // The last `@` ends the userinfo, so an unencoded `@` in a password still works.
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (host, port) = match host_port.rfind(':') {
            // The `:` of an IPv6 address inside brackets is not a port separator.
            Some(colon) if !host_port[colon..].contains(']') => {
                (&host_port[..colon], Some(&host_port[colon + 1..]))
            }
            _ => (host_port, None),
        };
        Some(Self {
            scheme,
            userinfo,
            host,
            port,
            rest,
        })
    }

    /// The URL without its userinfo: what is sent as the request target.
    #[cfg_attr(not(feature = "push"), allow(dead_code))]
    pub(crate) fn without_userinfo(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{}{port}{}", self.scheme, self.host, self.rest)
    }

    /// Checks the port: absent, or a number from 1 to 65535.
    pub(crate) fn check_port(&self) -> Result<(), String> {
        let Some(port) = self.port else {
            return Ok(());
        };
        if port.is_empty() {
            return Err("the URL has a `:` after the host but no port number".to_owned());
        }
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("the port `{port}` is not a number"));
        }
        match port.parse::<u16>() {
            Ok(0) => Err("port 0 cannot be pushed to; give the gateway's port, e.g. 9091".into()),
            Ok(_) => Ok(()),
            Err(_) => Err(format!(
                "the port {port} is out of range: a port is at most 65535"
            )),
        }
    }
}

/// `url` as shown in messages and logs: `http://user:***@host:9091` when it holds a password,
/// `http://***@host:9091` when it holds a user name alone (which may be a token), unchanged
/// without userinfo.
///
/// ```text
/// http://user:secret@host:9091/x  ->  http://user:***@host:9091/x
/// http://token@host:9091          ->  http://***@host:9091
/// ```
pub(crate) fn redact_userinfo(url: &str) -> String {
    let Some(parts) = UrlParts::split(url) else {
        return url.to_owned();
    };
    let Some(userinfo) = parts.userinfo else {
        return url.to_owned();
    };
    let shown = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_owned(),
    };
    let port = parts.port.map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{shown}@{}{port}{}",
        parts.scheme, parts.host, parts.rest
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_hosts_ports_and_userinfo() {
        let p = UrlParts::split("http://us%40er:p@ss@[::1]:9091/prefix?q").unwrap();
        assert_eq!(p.scheme, "http");
        assert_eq!(p.userinfo, Some("us%40er:p@ss"));
        assert_eq!(p.host, "[::1]");
        assert_eq!(p.port, Some("9091"));
        assert_eq!(p.rest, "/prefix?q");
        assert_eq!(p.without_userinfo(), "http://[::1]:9091/prefix?q");
        let p = UrlParts::split("http://[::1]/x").unwrap();
        assert_eq!((p.host, p.port), ("[::1]", None));
        let p = UrlParts::split("http://gw").unwrap();
        assert_eq!((p.host, p.port, p.rest), ("gw", None, ""));
        assert!(UrlParts::split("gw:9091").is_none());
    }

    #[test]
    fn ports_must_be_numbers_from_1_to_65535() {
        let check = |url| UrlParts::split(url).unwrap().check_port();
        assert_eq!(check("http://gw:9091"), Ok(()));
        assert_eq!(check("http://gw:65535"), Ok(()));
        assert_eq!(check("http://gw"), Ok(()));
        assert!(check("http://gw:65536").unwrap_err().contains("65536"));
        assert!(
            check("http://gw:99999")
                .unwrap_err()
                .contains("at most 65535")
        );
        assert!(check("http://gw:0").unwrap_err().contains("port 0"));
        assert!(
            check("http://gw:9o91")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(check("http://gw:").unwrap_err().contains("no port"));
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redact_userinfo("http://user:secret@host:9091/x"),
            "http://user:***@host:9091/x"
        );
        assert_eq!(
            redact_userinfo("http://token@host:9091"),
            "http://***@host:9091"
        );
        assert_eq!(redact_userinfo("http://a:b@c@host"), "http://a:***@host");
        assert_eq!(redact_userinfo("http://host:9091"), "http://host:9091");
        assert_eq!(redact_userinfo("not a url"), "not a url");
    }
}
