//! What the allowlist proxy costs a command: the time of one small request
//! and of a 10 MB download, direct and through the proxy's Unix socket (the
//! hop the sandbox's bridge makes), for a plain `http://` request
//! (forwarded) and a `CONNECT` tunnel (what every `https://` request is).
//! Prints numbers; asserts nothing. Run:
//! `cargo bench -p codex-network-proxy --bench proxy_overhead`
//! (`PROXY_BENCH_REQUESTS=N` changes the number of small requests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use codex_network_proxy::{
    Action, HTTP_SOCKET_NAME, HostRule, NetworkPolicy, NetworkProxy, ProxyConfig,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};

const LARGE: usize = 10 * 1024 * 1024;

/// An origin serving `/small` (2 bytes) and `/large` (10 MB), one
/// response per connection.
async fn origin() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let large = std::sync::Arc::new(vec![b'x'; LARGE]);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let large = large.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                let body: &[u8] =
                    if head.starts_with(b"GET /large") || head.windows(6).any(|w| w == b"/large") {
                        &large
                    } else {
                        b"ok"
                    };
                let header = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(header.as_bytes()).await;
                let _ = stream.write_all(body).await;
            });
        }
    });
    port
}

/// Reads one response head and its body; the body's length.
async fn read_response<S: AsyncRead + Unpin>(stream: &mut S) -> usize {
    let mut data = Vec::with_capacity(64 * 1024);
    let mut buf = vec![0u8; 256 * 1024];
    let (head_end, length) = loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "response ended early");
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            break (end + 4, length);
        }
    };
    let mut got = data.len() - head_end;
    while got < length {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "body ended early");
        got += n;
    }
    got
}

#[derive(Clone, Copy, Debug)]
enum Way {
    Direct,
    Forward,
    Connect,
}

async fn fetch(way: Way, socket: &PathBuf, port: u16, path: &str) -> usize {
    match way {
        Way::Direct => {
            let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            s.set_nodelay(true).unwrap();
            get(
                &mut s,
                &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            )
            .await
        }
        Way::Forward => {
            let mut s = UnixStream::connect(socket).await.unwrap();
            get(
                &mut s,
                &format!(
                    "GET http://localhost:{port}{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                ),
            )
            .await
        }
        Way::Connect => {
            let mut s = UnixStream::connect(socket).await.unwrap();
            s.write_all(
                format!("CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
            read_response(&mut s).await;
            get(
                &mut s,
                &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            )
            .await
        }
    }
}

async fn get<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, request: &str) -> usize {
    s.write_all(request.as_bytes()).await.unwrap();
    read_response(s).await
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let median = samples[samples.len() / 2].as_secs_f64() * 1e6;
    let mean = samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len() as f64 * 1e6;
    (median, mean)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let requests: usize = std::env::var("PROXY_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let port = origin().await;
    let proxy = NetworkProxy::start(ProxyConfig {
        policy: NetworkPolicy::new(vec![
            HostRule::new("localhost", Action::Allow, "bench").unwrap(),
        ]),
        ..ProxyConfig::default()
    })
    .unwrap();
    let socket = proxy.socket_dir().join(HTTP_SOCKET_NAME);

    println!("small request (2-byte body, new connection each), {requests} requests:");
    let mut direct_median = 0.0;
    for way in [Way::Direct, Way::Forward, Way::Connect] {
        for _ in 0..50 {
            fetch(way, &socket, port, "/small").await;
        }
        let mut samples = Vec::with_capacity(requests);
        for _ in 0..requests {
            let start = Instant::now();
            assert_eq!(fetch(way, &socket, port, "/small").await, 2);
            samples.push(start.elapsed());
        }
        let (median, mean) = stats(samples);
        if matches!(way, Way::Direct) {
            direct_median = median;
        }
        println!(
            "  {:<8} median {median:7.1} µs  mean {mean:7.1} µs  overhead (median) {:+7.1} µs",
            format!("{way:?}"),
            median - direct_median
        );
    }

    println!("10 MB download, 20 runs:");
    let mut direct = 0.0;
    for way in [Way::Direct, Way::Forward, Way::Connect] {
        fetch(way, &socket, port, "/large").await;
        let mut samples = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            assert_eq!(fetch(way, &socket, port, "/large").await, LARGE);
            samples.push(start.elapsed());
        }
        let (median, _) = stats(samples);
        let ms = median / 1000.0;
        if matches!(way, Way::Direct) {
            direct = ms;
        }
        println!(
            "  {:<8} median {ms:7.2} ms  ({:6.0} MB/s)  overhead {:+6.2} ms",
            format!("{way:?}"),
            10.0 / (ms / 1000.0),
            ms - direct
        );
    }
}
