//! `lab`: Roofline Lab's native command line.
//!
//! `lab adapters` lists the GPUs wgpu can see, `lab bench` runs kernels through the same harness
//! the browser uses, and `lab calc` runs the calculator models. Errors are one line on stderr and a
//! non-zero exit; nothing a user types can make it panic.

/// Writes to stdout like `println!`/`print!`, but a reader that has gone away (`lab bench | head
/// -1`) ends the program quietly instead of panicking in the standard library's print.
macro_rules! out {
    () => { out!("") };
    (@no_newline $($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(e);
        }
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(e);
        }
    }};
}

mod args;
mod bench;
mod calc;

/// Ends the program after stdout failed: quietly when its reader closed the pipe (success: it
/// read what it wanted), with a message otherwise.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing to standard output: {e}");
    std::process::exit(1);
}

use std::process::ExitCode;

const USAGE: &str = "\
usage: lab <command> [flags]

commands:
  adapters                 list the GPU adapters wgpu can see
  bench --kernel <name>    run a kernel (see `lab bench --help`)
  calc <model> [flags]     run a calculator: roofline, iron-law, decode, kv-cache, speculative, zero
  help                     show this text (each command also takes --help)
  version                  show the version";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "adapters" => bench::adapters(rest),
        "bench" => bench::run(rest),
        "calc" => calc::run(rest),
        "help" | "--help" | "-h" => {
            out!("{USAGE}");
            Ok(())
        }
        "version" | "--version" | "-V" => {
            out!("lab {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        other => Err(anyhow::anyhow!(
            "unknown command '{other}'; allowed: adapters, bench, calc, help, version"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` keeps anyhow's context chain on one line, as the CLI promises.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
