//! A minimal W3C WebDriver client over plain HTTP, enough to drive headless Chromium through
//! ChromeDriver in end-to-end tests: open a page, find elements, click, read text, run script.
//!
//! Written against `std` alone: the protocol is a handful of JSON requests, and a full async
//! client stack would double the build time of the test suite on CI's two cores.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chrome flags that give headless Chromium WebGPU on SwiftShader when there is no GPU, and keep
/// it off the network.
pub const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--enable-unsafe-webgpu",
    "--enable-features=Vulkan",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    // ChromeDriver keeps connections open whatever we ask, so read by Content-Length (or
    // chunks), never to end of stream.
    let mut reader = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            bail!("WebDriver closed the connection mid-reply");
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
    }
    let mut raw = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).context("bad chunk size")?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
        }
    } else {
        let n = length.ok_or_else(|| anyhow!("WebDriver reply without Content-Length"))?;
        raw.resize(n, 0);
        reader.read_exact(&mut raw)?;
    }
    let body = String::from_utf8_lossy(&raw);
    let v: Value =
        serde_json::from_str(&body).with_context(|| format!("WebDriver reply: {body}"))?;
    if let Some(err) = v["value"]["error"].as_str() {
        bail!(
            "WebDriver {method} {path}: {err}: {}",
            v["value"]["message"]
        );
    }
    Ok(v["value"].clone())
}

/// A ChromeDriver process and one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: std::path::PathBuf,
}

impl Browser {
    /// Starts ChromeDriver (`$CHROMEDRIVER` or `chromedriver` on the PATH) and a headless
    /// Chromium (`$CHROME` or `/usr/bin/chromium`) with a fresh profile and WebGPU enabled.
    pub fn launch() -> Result<Browser> {
        Browser::launch_with(CHROME_ARGS)
    }

    /// As [`Browser::launch`], with exactly these Chromium flags (plus a fresh profile), e.g.
    /// without the WebGPU flags to see what a browser without WebGPU shows.
    pub fn launch_with(chrome_args: &[&str]) -> Result<Browser> {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {driver_bin} (install chromium-driver)"))?;
        let profile =
            std::env::temp_dir().join(format!("roofline-e2e-{}-{port}", std::process::id()));
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            profile,
        };
        let start = Instant::now();
        while http(port, "GET", "/status", None).is_err() {
            if start.elapsed() > Duration::from_secs(20) {
                bail!("{driver_bin} did not start within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args: Vec<String> = chrome_args.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", browser.profile.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).context("starting Chromium")?;
        browser.session = v["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {v}"))?
            .to_string();
        Ok(browser)
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        http(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        )
    }

    /// Opens a URL and waits for the document to load.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(|_| ())
    }

    /// Runs JavaScript in the page and returns its result.
    pub fn script(&self, js: &str) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": js, "args": [] })),
        )
    }

    /// Runs a Chrome DevTools Protocol command (`Emulation.setEmulatedMedia`, …) through
    /// ChromeDriver, for what WebDriver itself cannot do.
    pub fn cdp(&self, command: &str, params: Value) -> Result<Value> {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": command, "params": params })),
        )
    }

    /// The text of the first element matching a CSS selector, if one exists.
    pub fn text(&self, selector: &str) -> Result<Option<String>> {
        let js = format!(
            "const e = document.querySelector({}); return e ? e.textContent : null;",
            Value::String(selector.into())
        );
        Ok(self.script(&js)?.as_str().map(str::to_string))
    }

    /// Clicks the first element matching a CSS selector.
    pub fn click(&self, selector: &str) -> Result<()> {
        let el = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": selector })),
        )?;
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("no element id for {selector}"))?
            .to_string();
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})))
            .map(|_| ())
    }

    /// Waits until the text of `selector` satisfies `done`, returning it; fails after `timeout`
    /// with the last text seen and the browser's console log.
    pub fn wait_text(
        &self,
        selector: &str,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < timeout {
            last = self.text(selector)?;
            if let Some(t) = &last
                && done(t)
            {
                return Ok(t.clone());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!(
            "timed out after {timeout:?} waiting on {selector}; last text: {last:?}; console: {}",
            self.console().unwrap_or_default()
        )
    }

    /// The browser console's messages so far, one per line.
    pub fn console(&self) -> Result<String> {
        let v = self.cmd("POST", "/se/log", Some(json!({ "type": "browser" })))?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["message"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
