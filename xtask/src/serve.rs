//! A small static file server for `dist/`, on 127.0.0.1 only.
//!
//! The app is a single-page app: a path without a file extension that names no file gets
//! `index.html`, so permalinks like `/embed/kv-cache?…` load the app. `.wasm` is served as
//! `application/wasm`, which `WebAssembly.instantiateStreaming` requires.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;

/// The MIME type for a file name.
pub fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "toml" | "txt" | "md" | "wgsl" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file under `root`, or `None` for a path that tries to leave it.
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let path = request_path.split(['?', '#']).next().unwrap_or("/");
    let mut out = root.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part.contains('\\') || part.starts_with('.') {
            return None;
        }
        out.push(part);
    }
    if out.is_dir() {
        out.push("index.html");
        if !out.exists() {
            // A folder of data that is also a client-side route (`/labs` holds the lab files
            // and is the labs page): the app handles it.
            return Some(root.join("index.html"));
        }
    }
    if !out.exists() && out.extension().is_none() {
        // A client-side route: let the app handle it.
        return Some(root.join("index.html"));
    }
    Some(out)
}

fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; we need none of them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let (status, mime, body) = if method != "GET" && method != "HEAD" {
        (
            "405 Method Not Allowed",
            "text/plain",
            b"only GET and HEAD\n".to_vec(),
        )
    } else {
        match resolve(root, target).and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
            Some((p, bytes)) => ("200 OK", mime_type(&p), bytes),
            None => (
                "404 Not Found",
                "text/plain",
                format!("not found: {target}\n").into_bytes(),
            ),
        }
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()
}

/// Binds 127.0.0.1:`port` (0 picks a free port) and serves `root` on background threads.
/// Returns the bound port.
pub fn spawn(root: PathBuf, port: u16) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            thread::spawn(move || {
                let _ = respond(stream, &root);
            });
        }
    });
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(port: u16, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_files_with_mime_types_and_falls_back_to_the_app() {
        let root = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("index.html"), "<html>app</html>").unwrap();
        std::fs::write(root.join("pkg/app_bg.wasm"), b"\0asm").unwrap();
        let port = spawn(root.clone(), 0).unwrap();
        let wasm = get(port, "/pkg/app_bg.wasm");
        assert!(wasm.starts_with("HTTP/1.1 200"), "{wasm}");
        assert!(wasm.contains("Content-Type: application/wasm"));
        std::fs::create_dir_all(root.join("labs")).unwrap();
        std::fs::write(root.join("labs/week.json"), "{}").unwrap();
        assert!(get(port, "/labs").contains("<html>app</html>"));
        assert!(get(port, "/labs/week").contains("<html>app</html>"));
        let lab = get(port, "/labs/week.json");
        assert!(
            lab.contains("application/json") && lab.ends_with("{}"),
            "{lab}"
        );
        assert!(get(port, "/labs/missing.json").starts_with("HTTP/1.1 404"));
        let route = get(port, "/embed/kv-cache?model=llama-2-70b");
        assert!(route.contains("<html>app</html>"), "{route}");
        assert!(get(port, "/missing.js").starts_with("HTTP/1.1 404"));
        assert!(get(port, "/../secret").starts_with("HTTP/1.1 404"));
        assert!(resolve(&root, "/a/../../etc/passwd").is_none());
    }
}
