//! Workers of one tenant summing a tensor through a running card and PS:
//!
//! ```sh
//! cargo run -p aggnic-client --example allreduce -- NETWORK_ADDR TENANT KEY WORKERS [ELEMENTS]
//! ```
//!
//! One thread per worker, each with its own socket, as separate training processes would have;
//! every result is checked against the CPU sum. `docs/client.md` has the whole session.

use aggnic_client::{WorkerClient, WorkerOptions};
use std::net::SocketAddr;

fn number(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|_| panic!("`{s}` is not a number"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(
        (4..=5).contains(&args.len()),
        "usage: allreduce NETWORK_ADDR TENANT KEY WORKERS [ELEMENTS]"
    );
    let card: SocketAddr = args[0].parse().expect("NETWORK_ADDR like 127.0.0.1:16711");
    let (tenant, key, workers) = (number(&args[1]) as u8, number(&args[2]), number(&args[3]) as u8);
    let elements = args.get(4).map_or(1000, |s| number(s) as usize);
    // Worker w holds (i % 100) * (w + 1) / 8: sums are exact in f32, so equality is the check.
    let tensor = |w: u8| -> Vec<f32> {
        (0..elements)
            .map(|i| (i % 100) as f32 * f32::from(w + 1) / 8.0)
            .collect()
    };
    let expected: Vec<f32> = (0..elements)
        .map(|i| {
            (0..workers)
                .map(|w| (i % 100) as f32 * f32::from(w + 1) / 8.0)
                .sum()
        })
        .collect();
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let mut x = tensor(w);
            std::thread::spawn(move || {
                let opts = WorkerOptions::new(tenant, w, key, u32::from(workers));
                let mut client = WorkerClient::connect(card, opts)?;
                client.allreduce(&mut x)?;
                Ok::<_, aggnic_client::ClientError>(x)
            })
        })
        .collect();
    for (w, t) in threads.into_iter().enumerate() {
        match t.join().expect("worker thread") {
            Ok(sum) if sum == expected => println!("worker {w}: {elements} elements, equal to the CPU sum"),
            Ok(_) => panic!("worker {w}: the sum differs from the CPU sum"),
            Err(e) => {
                eprintln!("worker {w}: {e}");
                std::process::exit(1);
            }
        }
    }
}
