use session_metrics::ErrorLabel;

#[derive(ErrorLabel)]
enum Bad {
    #[error_label("")]
    Empty,
    #[error_label(42)]
    NotAString,
    #[error_label("a")]
    #[error_label("b")]
    Twice,
}

#[derive(ErrorLabel)]
union U {
    a: u32,
}

fn main() {}
