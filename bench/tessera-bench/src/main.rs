//! `tessera-bench`: drives a running Tessera server and prints throughput and latency per scenario.

use clap::Parser;
use std::process::ExitCode;
use tessera_bench::args::Args;

fn main() -> ExitCode {
    let args = Args::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = match runtime.build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tessera-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tessera_bench::run(&args)) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("tessera-bench: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", tessera_bench::report::table(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tessera-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
