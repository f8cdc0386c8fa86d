//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream`: one request
//! per connection (`Connection: close`), with a deadline, so an attack the
//! server never answers shows up as "no answer" instead of a hung test.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// An HTTP answer and how long it took (connect to last byte).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Answer {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The headers and body as one string, for leak checks.
    pub fn everything(&self) -> String {
        let mut all = String::new();
        for (k, v) in &self.headers {
            all.push_str(k);
            all.push_str(": ");
            all.push_str(v);
            all.push('\n');
        }
        all.push_str(&self.text());
        all
    }

    /// `(code, message)` of a `{"error":{"code","message"}}` body.
    pub fn error(&self) -> Option<(String, String)> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        let error = value.get("error")?;
        Some((
            error.get("code")?.as_str()?.to_string(),
            error.get("message")?.as_str()?.to_string(),
        ))
    }

    /// The start of the body, on one line, for tables and messages.
    pub fn excerpt(&self, chars: usize) -> String {
        let text: String = self.text().chars().take(chars).collect();
        text.replace(['\n', '\r'], " ")
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Self {
            method: "GET",
            path: path.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post(path: &str, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            method: "POST",
            path: path.to_string(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A `multipart/form-data` upload of one file in the field "file".
    pub fn multipart(path: &str, file_name: &str, bytes: &[u8]) -> Self {
        let boundary = "----hecmap-hostile-7d1e0c9a";
        let mut body = Vec::with_capacity(bytes.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Self::post(
            path,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
    }
}

/// Sends `request` to 127.0.0.1:`port`; Err says why no answer came
/// within `timeout` (refused, reset, silent).
pub fn send(port: u16, request: &Request, timeout: Duration) -> Result<Answer, String> {
    send_from(None, port, request, timeout)
}

/// A TCP connection to `to` from the local address `from` (any address of
/// 127.0.0.0/8 is this machine's, so one test can be many clients).
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(to) = to else {
        return Err(std::io::Error::other("IPv4 only"));
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: a fresh socket owned by the TcpStream at once (closed on
    // drop); the addresses are valid sockaddr_in values of `len` bytes.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let local = sockaddr(from, 0);
        if libc::bind(fd, (&raw const local).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let remote = sockaddr(*to.ip(), to.port());
        if libc::connect(fd, (&raw const remote).cast(), len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

/// [`send`] from the local address `from` (None: the system's choice).
pub fn send_from(
    from: Option<Ipv4Addr>,
    port: u16,
    request: &Request,
    timeout: Duration,
) -> Result<Answer, String> {
    let start = Instant::now();
    let deadline = start + timeout;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = match from {
        None => TcpStream::connect_timeout(&addr, timeout),
        Some(ip) => connect_from(ip, addr),
    }
    .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.path,
        request.body.len()
    );
    for (k, v) in &request.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    // The server may answer (413) and close before it has read the whole
    // body: a failed write is not the end, the answer may still be there.
    let wrote = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&request.body));
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no answer within {:.1} s ({} bytes so far)",
                timeout.as_secs_f64(),
                raw.len()
            ));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if raw.is_empty() {
                    return Err(format!(
                        "connection failed: {e}{}",
                        match &wrote {
                            Err(w) => format!(" (while sending: {w})"),
                            Ok(()) => String::new(),
                        }
                    ));
                }
                break;
            }
        }
    }
    let elapsed = start.elapsed();
    parse(&raw, elapsed)
}

fn parse(raw: &[u8], elapsed: Duration) -> Result<Answer, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete HTTP head in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        match headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
        {
            Some(n) => rest[..n.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Answer {
        status,
        headers,
        body,
        elapsed,
    })
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        rest = &rest[eol + 2..];
        if size == 0 {
            break;
        }
        let take = size.min(rest.len());
        body.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        if rest.starts_with(b"\r\n") {
            rest = &rest[2..];
        }
    }
    body
}
