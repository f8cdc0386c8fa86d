//! The `hecmap` binary as a separate process: `hecmap serve` on a free
//! port (killed with SIGKILL when asked), plain HTTP/1.1 requests to it,
//! and `hecmap admin` commands.

use hecmap_negotiation::StoreLocation;
use serde_json::Value;

/// One HTTP/1.1 request over a fresh connection: (status, JSON body).
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("incomplete response: {text:?}")))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            out.push_str(&tail[..n]);
            rest = tail[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_string()
    };
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).map_err(std::io::Error::other)?
    };
    Ok((status, json))
}

pub struct Server {
    pub child: std::process::Child,
    pub port: u16,
}

impl Server {
    pub async fn start(location: &StoreLocation) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hecmap"));
        cmd.args(["serve", "--port", &port.to_string()]);
        match location {
            StoreLocation::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
            StoreLocation::Url(url) => cmd.args(["--database-url", url]),
        };
        cmd.env_remove("HECMAP_DATABASE_URL")
            .env_remove("HECMAP_DATA_DIR")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let child = cmd.spawn().unwrap();
        let mut server = Server { child, port };
        for _ in 0..600 {
            if let Ok((200, _)) = http(port, "GET", "/api/health", None, None).await {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server.kill();
        panic!("the server did not start");
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `hecmap admin ...` on a store; (exit code, stdout, stderr).
pub fn hecmap_admin(
    location: &StoreLocation,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hecmap"));
    cmd.arg("admin").args(args);
    match location {
        StoreLocation::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
        StoreLocation::Url(url) => cmd.args(["--database-url", url]),
    };
    cmd.env_remove("HECMAP_DATABASE_URL")
        .env_remove("HECMAP_DATA_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}
