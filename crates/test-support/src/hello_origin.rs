//! A loopback HTTP origin for network tests: answers every request with
//! `hello <request target>` and closes the connection. A request that
//! carried `Proxy-Authorization` gets ` LEAKED proxy-authorization` added,
//! so a proxy that forwards its client's proxy credentials is seen.

use std::io::{Read, Write};
use std::net::TcpListener;

/// The origin runs on threads of its own for the rest of the test process.
pub struct HelloOrigin {
    port: u16,
}

impl HelloOrigin {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let target = text.split_whitespace().nth(1).unwrap_or("?");
                    let leaked = if text.to_ascii_lowercase().contains("proxy-authorization") {
                        " LEAKED proxy-authorization"
                    } else {
                        ""
                    };
                    let body = format!("hello {target}{leaked}");
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Self { port }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}
