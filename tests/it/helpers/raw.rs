//! A raw HTTP/1.1 client on one TCP connection, for tests that decide every byte and when it is sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a read may wait before the test gives up: only there so that a hung server fails the
/// test instead of hanging it.
pub const READ_BOUND: Duration = Duration::from_secs(60);

pub struct Answer {
    pub status: u16,
    pub body: String,
}

pub struct Raw {
    reader: BufReader<TcpStream>,
}

/// `http://127.0.0.1:8080` → `127.0.0.1:8080`.
pub fn address(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

impl Raw {
    pub fn connect(at: &str) -> Self {
        let stream = TcpStream::connect(at).unwrap();
        stream.set_read_timeout(Some(READ_BOUND)).unwrap();
        Self {
            reader: BufReader::new(stream),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).unwrap();
    }

    /// Reads one answer: its head, then as many body bytes as its `Content-Length` says.
    pub fn answer(&mut self) -> Answer {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(n > 0, "the connection closed before a whole answer: {head:?}");
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub fn get(&mut self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        self.answer()
    }
}

/// One GET on a connection of its own.
pub fn get_once(at: &str, path: &str) -> Answer {
    Raw::connect(at).get(path)
}
