//! The real `starling` binary: `config check`, `migrate`, `account …`, and `serve`
//! across a graceful restart (SIGTERM) and a crash (SIGKILL) on the same database.
//!
//! Every test writes its own configuration file into a temporary folder, runs the
//! binary with `--config FILE` over a fresh [`TestDatabase`], and gives up after a
//! timeout. Servers are held by [`Server`], whose `Drop` kills the process, so a failing
//! test leaves nothing running.

mod commands;
mod config_check;
mod restart;

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_starling");

/// How long one command of the binary may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a whole test may take.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);

/// Runs a test body under [`TEST_TIMEOUT`].
pub(super) async fn timed<F: Future<Output = ()>>(body: F) {
    if tokio::time::timeout(TEST_TIMEOUT, body).await.is_err() {
        panic!("test did not finish within {TEST_TIMEOUT:?}");
    }
}

/// A loopback port that was free a moment ago.
pub(super) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// A TOML basic string (JSON string escapes are valid TOML).
pub(super) fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// A configuration file under construction: sections of `key = value` lines.
#[derive(Debug, Clone)]
pub(super) struct ConfigFile {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl ConfigFile {
    /// `key = value` in `[section]`, replacing an earlier value of the key.
    fn set(mut self, section: &str, key: &str, value: &str) -> Self {
        let index = match self.sections.iter().position(|(s, _)| s == section) {
            Some(i) => i,
            None => {
                self.sections.push((section.to_string(), Vec::new()));
                self.sections.len() - 1
            }
        };
        let lines = &mut self.sections[index].1;
        match lines.iter_mut().find(|(k, _)| k == key) {
            Some(line) => line.1 = value.to_string(),
            None => lines.push((key.to_string(), value.to_string())),
        }
        self
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for (section, lines) in &self.sections {
            out.push_str(&format!("[{section}]\n"));
            for (key, value) in lines {
                out.push_str(&format!("{key} = {value}\n"));
            }
            out.push('\n');
        }
        out
    }
}

/// One test's world: a temporary folder, a fresh database, a port and a config file.
pub(super) struct World {
    dir: Arc<tempfile::TempDir>,
    db: TestDatabase,
    port: u16,
    config_path: PathBuf,
}

impl World {
    async fn new() -> World {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let db = TestDatabase::create(&dir).await;
        let port = free_port();
        let config_path = dir.path().join("starling.toml");
        let world = World {
            dir,
            db,
            port,
            config_path,
        };
        world.write_config(&world.config());
        world
    }

    /// The configuration of [`crate::support::test_config`], as a file.
    fn config(&self) -> ConfigFile {
        let data_dir = self.dir.path().join("data");
        ConfigFile {
            sections: Vec::new(),
        }
        .set(
            "instance",
            "domain",
            &toml_str(&format!("127.0.0.1:{}", self.port)),
        )
        .set("instance", "title", &toml_str("Starling test"))
        .set(
            "server",
            "listen",
            &toml_str(&format!("127.0.0.1:{}", self.port)),
        )
        .set("database", "url", &toml_str(&self.db.url))
        .set("database", "max_connections", "4")
        .set(
            "storage",
            "data_dir",
            &toml_str(&data_dir.display().to_string()),
        )
        .set("limits", "api_requests_per_5min", "0")
        .set("limits", "registrations_per_30min", "0")
        .set("limits", "sign_ins_per_5min", "0")
        .set("log", "level", &toml_str("warn"))
    }

    fn write_config(&self, config: &ConfigFile) {
        std::fs::write(&self.config_path, config.render()).expect("write config");
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `starling --config FILE args…`, with `env` set on top of a clean environment.
    async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run_binary(&self.config_path, args, env).await
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[]).await
    }

    /// `starling account create`; returns the printed password.
    async fn create_account(&self, username: &str, admin: bool) -> String {
        let email = format!("{username}@example.com");
        let mut args = vec![
            "account",
            "create",
            "--username",
            username,
            "--email",
            &email,
        ];
        if admin {
            args.push("--admin");
        }
        let out = self.run(&args).await.success();
        let password = out.stdout.trim().to_string();
        assert_eq!(
            out.stdout.lines().count(),
            1,
            "stdout is the password alone: {out:?}"
        );
        assert!(password.len() >= 16, "password {password:?}");
        password
    }

    /// Starts `starling serve` and waits until it answers.
    async fn serve(&self) -> Server {
        let log_path = self
            .dir
            .path()
            .join(format!("serve-{}.log", rand::random::<u32>()));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut cmd = command(&self.config_path, &["serve"], &[]);
        cmd.stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let child = cmd.spawn().expect("spawn starling serve");
        let mut server = Server {
            pid: child.id().expect("pid"),
            child: Some(child),
            base: self.base(),
            log_path,
            http: http_client(),
        };
        server.wait_ready().await;
        server
    }
}

pub(super) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A command of the binary with a clean `STARLING_*` environment.
fn command(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--config").arg(config).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("STARLING_") || key == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(Stdio::null());
    cmd
}

/// What a finished command printed.
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Output {
    #[track_caller]
    fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success: {self:?}");
        self
    }

    /// Asserts a non-zero exit and returns stderr.
    #[track_caller]
    fn failure(self) -> String {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "expected failure: {self:?}"
        );
        self.stderr
    }
}

async fn run_binary(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(config, args, env);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("spawn starling");
    let out = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "`starling {}` took over {COMMAND_TIMEOUT:?}",
                args.join(" ")
            )
        })
        .expect("wait for starling");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running `starling serve`; killed (SIGKILL) when dropped.
struct Server {
    child: Option<Child>,
    pid: u32,
    base: String,
    log_path: PathBuf,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Polls `GET /api/v1/instance` until it answers 200.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().expect("try_wait"))
            {
                panic!("starling serve exited early ({status}):\n{}", self.log());
            }
            if let Ok(resp) = client
                .get(format!("{}/api/v1/instance", self.base))
                .send()
                .await
                && resp.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "starling serve did not answer within 60s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    async fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let mut child = self.child.take().expect("child");
        match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
            Ok(status) => {
                let status = status.expect("wait");
                assert!(
                    status.success(),
                    "serve exited with {status} after SIGTERM:\n{}",
                    self.log()
                );
            }
            Err(_) => {
                let _ = child.start_kill();
                panic!("serve did not stop within 30s of SIGTERM:\n{}", self.log());
            }
        }
    }

    /// Sends SIGKILL and reaps the process.
    async fn kill(mut self) {
        let mut child = self.child.take().expect("child");
        child.kill().await.expect("SIGKILL");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /oauth/token` with the password grant: the token, or the status and body.
    async fn login(&self, email: &str, password: &str) -> Result<String, (u16, String)> {
        let app: Value = self
            .http
            .post(self.url("/api/v1/apps"))
            .form(&[
                ("client_name", "process tests"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                ("scopes", "read write"),
            ])
            .send()
            .await
            .expect("POST /api/v1/apps")
            .json()
            .await
            .expect("app JSON");
        let resp = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", app["client_id"].as_str().expect("client_id")),
                (
                    "client_secret",
                    app["client_secret"].as_str().expect("client_secret"),
                ),
                ("username", email),
                ("password", password),
                ("scope", "read write"),
            ])
            .send()
            .await
            .expect("POST /oauth/token");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if status == 200 {
            let token: Value = serde_json::from_str(&text).expect("token JSON");
            Ok(token["access_token"].as_str().expect("token").to_string())
        } else {
            Err((status, text))
        }
    }

    async fn login_ok(&self, email: &str, password: &str) -> String {
        match self.login(email, password).await {
            Ok(token) => token,
            Err((status, body)) => panic!("login of {email} refused: {status} {body}"),
        }
    }

    /// `GET path` with a token: status and JSON.
    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn post_status(&self, token: &str, text: &str) -> Value {
        let resp = self
            .http
            .post(self.url("/api/v1/statuses"))
            .bearer_auth(token)
            .json(&json!({ "status": text }))
            .send()
            .await
            .expect("POST /api/v1/statuses");
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.expect("status JSON")
    }
}
