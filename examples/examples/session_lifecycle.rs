//! A small shell-like program: each shell session goes through a `SessionTracker`, and the
//! shell's own lifecycle functions are instrumented. Several sessions run (some end in error,
//! one never ends, one carries a quality score), then the exposition is printed.
//!
//! Run with `cargo run -p examples --example session_lifecycle`.

use std::sync::Mutex;
use std::time::Duration;

use session_metrics::session::{
    LifecycleError, SessionEndEvent, SessionLifecycle, SessionStartEvent, SessionStatus,
    SessionTracker,
};
use session_metrics::{ErrorLabel, get_metrics, track_operation};

const COMPONENT: &str = "minishell";

/// The application's side of the lifecycle: a history of what happened.
#[derive(Default)]
struct History(Mutex<Vec<String>>);

impl SessionLifecycle for History {
    async fn on_session_start(&self, event: &SessionStartEvent) -> Result<(), LifecycleError> {
        self.log(format!(
            "opened {} ({})",
            event.session_id, event.shell_type
        ));
        Ok(())
    }

    async fn on_session_end(&self, event: &SessionEndEvent) -> Result<(), LifecycleError> {
        self.log(format!(
            "closed {} ({})",
            event.session_id,
            event.status.as_str()
        ));
        Ok(())
    }
}

impl History {
    fn log(&self, line: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

#[derive(Debug, ErrorLabel)]
enum ShellError {
    #[error_label("command_not_found")]
    NotFound(#[allow(dead_code)] String),
    #[error_label("exit_status")]
    Failed(#[allow(dead_code)] i32),
}

struct Shell<'a> {
    id: String,
    tracker: &'a SessionTracker<History>,
}

impl<'a> Shell<'a> {
    #[track_operation("minishell", "open_shell")]
    async fn open(
        tracker: &'a SessionTracker<History>,
        id: &str,
        kind: &str,
        quality: Option<f64>,
    ) -> Result<Shell<'a>, session_metrics::session::TrackerError> {
        let mut start = SessionStartEvent::new(id, COMPONENT, kind);
        if let Some(score) = quality {
            start = start.with_quality_score(score);
        }
        tracker.handle_session_start(start).await?;
        Ok(Shell {
            id: id.to_owned(),
            tracker,
        })
    }

    #[track_operation("minishell", "run_command")]
    async fn run(&self, command: &str) -> Result<String, ShellError> {
        tokio::time::sleep(Duration::from_millis(3)).await;
        match command {
            "true" | "ls" => Ok(format!("{}: ok", self.id)),
            "false" => Err(ShellError::Failed(1)),
            other => Err(ShellError::NotFound(other.to_owned())),
        }
    }

    #[track_operation("minishell", "close_shell")]
    async fn close(
        self,
        status: SessionStatus,
        quality: Option<f64>,
    ) -> Result<(), session_metrics::session::TrackerError> {
        let mut end = SessionEndEvent::new(&self.id, COMPONENT, status);
        if let Some(score) = quality {
            end = end.with_quality_score(score);
        }
        self.tracker.handle_session_end(end).await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    session_metrics::settings::print_settings_report(); // on stderr: which settings file
    let tracker = SessionTracker::new(History::default(), true);
    let scripts: [(&str, &str, &[&str], Option<f64>); 5] = [
        ("s1", "zsh", &["ls", "true"], None),
        ("s2", "bash", &["ls", "false"], None),
        ("s3", "fish", &["ls", "frobnicate"], Some(87.5)),
        ("s4", "zsh", &["true"], None),
        ("s5", "bash", &["ls"], None), // never ended
    ];
    let mut open = Vec::new();
    for (id, kind, commands, quality) in scripts {
        let shell = Shell::open(&tracker, id, kind, quality).await?;
        let mut failed = false;
        for command in commands {
            if let Err(error) = shell.run(command).await {
                println!("{id}: {command}: {error:?}");
                failed = true;
            }
        }
        open.push((shell, failed, quality));
    }
    // Let the sessions last a little, then end all but the last one.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _never_ended = open.pop();
    for (shell, failed, quality) in open {
        let status = if failed {
            SessionStatus::Error
        } else {
            SessionStatus::Success
        };
        shell.close(status, quality.map(|q| q + 2.0)).await?;
    }
    for line in tracker
        .lifecycle()
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        println!("history: {line}");
    }
    println!("open sessions: {}", tracker.open_sessions());
    print!("{}", get_metrics().export_metrics());
    Ok(())
}
