// Free functions, methods on `self`, `&self`, `&mut self`, generics with where-clauses and
// lifetimes, `impl Trait` returns, `?` and early `return`, trait impl and default methods.
use std::fmt::Display;

use session_metrics::{ErrorLabel, get_metrics, track_operation};

#[derive(Debug, ErrorLabel)]
enum E {
    Bad,
}

/// Docs stay.
#[track_operation("ui", "free")]
#[must_use]
pub fn free(x: u32) -> u32 {
    x * 2
}

#[track_operation(component = "ui", event_type = "named")]
fn named() {}

#[track_operation("ui", "early")]
fn early(x: i32) -> Result<i32, E> {
    if x < 0 {
        return Err(E::Bad);
    }
    let y: i32 = "3".parse().map_err(|_| E::Bad)?;
    Ok(x + y)
}

#[track_operation("ui", "generic")]
fn longest<'a, 'b: 'a, T>(a: &'a T, b: &'b T) -> &'a T
where
    T: PartialOrd + ?Sized,
{
    if a >= b { a } else { b }
}

#[track_operation("ui", "impl_trait")]
fn evens(limit: u32) -> impl Iterator<Item = u32> + Clone {
    (0..limit).filter(|n| n % 2 == 0)
}

#[track_operation("ui", "result_impl_trait")]
fn shown(ok: bool) -> Result<impl Display, E> {
    if ok { Ok(5) } else { Err(E::Bad) }
}

#[track_operation("ui", "impl_arg")]
fn sum(items: impl IntoIterator<Item = u32>, (a, b): (u32, u32), mut acc: u32) -> u32 {
    for i in items {
        acc += i;
    }
    acc + a + b
}

struct Counter {
    n: u32,
    name: String,
}

impl Counter {
    #[track_operation("ui", "by_value")]
    fn into_name(self) -> String {
        self.name
    }

    #[track_operation("ui", "by_ref")]
    fn name(&self) -> &str {
        &self.name
    }

    #[track_operation("ui", "by_mut")]
    fn bump(&mut self) -> &mut u32 {
        self.n += 1;
        &mut self.n
    }

    #[track_operation("ui", "assoc")]
    fn new(name: &str) -> Self {
        Self { n: 0, name: name.to_owned() }
    }
}

trait Greeter {
    fn greet(&self) -> String;

    #[track_operation("ui", "trait_default")]
    fn greet_twice(&self) -> String {
        format!("{0}{0}", self.greet())
    }
}

impl Greeter for Counter {
    #[track_operation("ui", "trait_impl")]
    fn greet(&self) -> String {
        format!("hi {}", self.name)
    }
}

#[track_operation("ui", "never")]
#[allow(dead_code)]
fn never() -> ! {
    panic!("never returns")
}

#[track_operation("ui", "unsafe")]
unsafe fn raw(p: *const u32) -> u32 {
    unsafe { *p }
}

#[track_operation("ui", "extern")]
extern "C" fn c_abi(x: u32) -> u32 {
    x
}

fn main() {
    assert_eq!(free(2), 4);
    named();
    assert_eq!(early(1).unwrap(), 4);
    assert!(early(-1).is_err());
    assert_eq!(*longest(&3, &2), 3);
    assert_eq!(longest("a", "b"), "b");
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(shown(true).unwrap().to_string(), "5");
    assert!(shown(false).is_err());
    assert_eq!(sum([1, 2], (3, 4), 10), 20);
    let mut c = Counter::new("x");
    *c.bump() += 10;
    assert_eq!(c.n, 11);
    assert_eq!(c.name(), "x");
    assert_eq!(c.greet_twice(), "hi xhi x");
    assert_eq!(c.into_name(), "x");
    assert_eq!(unsafe { raw(&7) }, 7);
    assert_eq!(c_abi(1), 1);
    std::panic::set_hook(Box::new(|_| {})); // the panic below is expected
    assert!(std::panic::catch_unwind(|| never()).is_err());
    let _ = std::panic::take_hook();

    let text = get_metrics().export_metrics();
    for event in [
        "free", "named", "generic", "impl_trait", "impl_arg", "by_value", "by_ref", "by_mut",
        "assoc", "trait_default", "trait_impl", "unsafe", "extern",
    ] {
        let needle = format!("mcp_event_emit_success_total{{component_name=\"ui\",event_type=\"{event}\"}}");
        assert!(text.contains(&needle), "{event} missing in\n{text}");
    }
    assert!(text.contains(r#"mcp_event_emit_failure_total{component_name="ui",error_type="panic",event_type="never"} 1"#));
}
