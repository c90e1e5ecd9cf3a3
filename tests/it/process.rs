//! The real `starling` binary: `config check`, `migrate`, `account …`, and `serve`
//! across a graceful restart (SIGTERM) and a crash (SIGKILL) on the same database.
//!
//! Every test writes its own configuration file into a temporary folder, runs the
//! binary with `--config FILE` over a fresh [`TestDatabase`], and gives up after a
//! timeout. Servers are held by [`Server`], whose `Drop` kills the process, so a failing
//! test leaves nothing running.

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
async fn timed<F: Future<Output = ()>>(body: F) {
    if tokio::time::timeout(TEST_TIMEOUT, body).await.is_err() {
        panic!("test did not finish within {TEST_TIMEOUT:?}");
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// A TOML basic string (JSON string escapes are valid TOML).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// A configuration file under construction: sections of `key = value` lines.
#[derive(Debug, Clone)]
struct ConfigFile {
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
struct World {
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

fn http_client() -> reqwest::Client {
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

// ---------------------------------------------------------------------------------------
// starling config check

#[tokio::test]
async fn config_check_accepts_a_good_config() {
    timed(async {
        let world = World::new().await;
        let out = world.run(&["config", "check"]).await.success();
        assert!(out.stderr.contains("Configuration OK"), "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("http://127.0.0.1:{}", world.port)),
            "{out:?}"
        );
        assert!(
            out.stderr
                .contains(&world.config_path.display().to_string()),
            "{out:?}"
        );
    })
    .await;
}

/// Writes `config` and asserts that `config check` fails naming the file and `key`.
async fn assert_check_fails(world: &World, config: &ConfigFile, key: &str) -> String {
    world.write_config(config);
    let stderr = world.run(&["config", "check"]).await.failure();
    assert!(
        stderr.contains(&world.config_path.display().to_string()),
        "stderr does not name the file:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("`{key}`")),
        "stderr does not name `{key}`:\n{stderr}"
    );
    stderr
}

#[tokio::test]
async fn config_check_rejects_an_unknown_key() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("server", "listn", "\"127.0.0.1:1\"");
        let stderr = assert_check_fails(&world, &config, "server.listn").await;
        assert!(stderr.contains("config.example.toml"), "{stderr}");
        // Every command checks the configuration first.
        let stderr = world.run(&["migrate"]).await.failure();
        assert!(stderr.contains("server.listn"), "{stderr}");
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_value_of_the_wrong_type() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("limits", "max_post_chars", "\"many\"");
        assert_check_fails(&world, &config, "limits.max_post_chars").await;
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_bad_database_url() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("database", "url", "\"mysql://x\"");
        let stderr = assert_check_fails(&world, &config, "database.url").await;
        assert!(stderr.contains("mysql"), "{stderr}");
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_bad_domain() {
    timed(async {
        let world = World::new().await;
        let config = world
            .config()
            .set("instance", "domain", "\"https://social.example/\"");
        assert_check_fails(&world, &config, "instance.domain").await;
        let config = world.config().set("instance", "domain", "\"\"");
        assert_check_fails(&world, &config, "instance.domain").await;
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_an_unreachable_database() {
    timed(async {
        let world = World::new().await;
        let closed = free_port();
        let config = world.config().set(
            "database",
            "url",
            &toml_str(&format!("postgres://postgres@127.0.0.1:{closed}/starling")),
        );
        let started = Instant::now();
        let stderr = assert_check_fails(&world, &config, "database.url").await;
        assert!(stderr.contains("PostgreSQL"), "{stderr}");
        // The cause is named, and found without waiting out the pool's timeout.
        assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "took {:?}",
            started.elapsed()
        );
    })
    .await;
}

#[tokio::test]
async fn config_check_honours_environment_overrides() {
    timed(async {
        let world = World::new().await;
        let out = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMAIN", "override.example")],
            )
            .await
            .success();
        assert!(out.stderr.contains("https://override.example"), "{out:?}");
        // A bad value from the environment names the variable, not the file.
        let stderr = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMAIN", "https://override.example/")],
            )
            .await
            .failure();
        assert!(stderr.contains("instance.domain"), "{stderr}");
        assert!(stderr.contains("STARLING_INSTANCE__DOMAIN"), "{stderr}");
        // An unknown key from the environment is refused too.
        let stderr = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMIAN", "x.example")],
            )
            .await
            .failure();
        assert!(stderr.contains("instance.domian"), "{stderr}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// starling migrate

#[tokio::test]
async fn migrate_applies_migrations_then_reports_up_to_date() {
    timed(async {
        let world = World::new().await;
        let check = world.run(&["config", "check"]).await.success();
        assert!(
            check.stderr.contains("pending"),
            "fresh database has pending migrations: {check:?}"
        );
        let first = world.run(&["migrate"]).await.success();
        assert!(first.stderr.contains("applying "), "{first:?}");
        assert!(first.stderr.contains("Applied "), "{first:?}");
        let second = world.run(&["migrate"]).await.success();
        assert!(
            second.stderr.contains("up to date"),
            "second run: {second:?}"
        );
        assert!(!second.stderr.contains("applying"), "{second:?}");
        let check = world.run(&["config", "check"]).await.success();
        assert!(!check.stderr.contains("pending"), "{check:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// starling account …

#[tokio::test]
async fn account_commands_manage_logins_of_a_served_instance() {
    timed(async {
        let world = World::new().await;
        let email = "alice@example.com";
        let out = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice",
                "--email",
                email,
                "--admin",
            ])
            .await
            .success();
        let password = out.stdout.trim().to_string();
        assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
        assert!(password.len() >= 16, "{out:?}");
        assert!(
            !out.stderr.contains(&password),
            "password printed twice: {out:?}"
        );
        assert!(
            out.stderr
                .contains(&format!("@alice@127.0.0.1:{}", world.port)),
            "{out:?}"
        );
        assert!(out.stderr.contains("admin"), "{out:?}");

        let server = world.serve().await;
        let token = server.login_ok(email, &password).await;
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["username"], "alice");
        assert!(server.login(email, "wrong password").await.is_err());

        // list
        let list = world.run(&["account", "list"]).await.success();
        let line = list
            .stdout
            .lines()
            .find(|l| l.starts_with("alice "))
            .unwrap_or_else(|| panic!("alice not listed: {list:?}"));
        assert!(line.contains("admin") && line.contains("active"), "{line}");
        assert!(line.contains(email), "{line}");

        // suspend: login refused, the existing token stops working
        world.run(&["account", "suspend", "alice"]).await.success();
        let (status, body) = server.login(email, &password).await.unwrap_err();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("disabled"), "{body}");
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert!(
            status == 401 || status == 403,
            "suspended token gave {status}"
        );
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            list.stdout
                .lines()
                .any(|l| l.starts_with("alice ") && l.contains("suspended")),
            "{list:?}"
        );

        // unsuspend: login works again
        world
            .run(&["account", "unsuspend", "alice"])
            .await
            .success();
        let token = server.login_ok(email, &password).await;

        // reset-password: old password refused, new works, sessions signed out
        let reset = world
            .run(&["account", "reset-password", "alice"])
            .await
            .success();
        let new_password = reset.stdout.trim().to_string();
        assert_eq!(reset.stdout.lines().count(), 1, "{reset:?}");
        assert!(
            new_password.len() >= 16 && new_password != password,
            "{reset:?}"
        );
        assert!(server.login(email, &password).await.is_err());
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 401, "token survived a password reset");
        let token = server.login_ok(email, &new_password).await;

        // errors: duplicate username, unknown user
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "Alice",
                "--email",
                "other@example.com",
            ])
            .await
            .failure();
        assert!(
            stderr.contains("Username has already been taken"),
            "{stderr}"
        );
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice2",
                "--email",
                email,
            ])
            .await
            .failure();
        assert!(stderr.contains("Email has already been taken"), "{stderr}");
        for cmd in ["suspend", "unsuspend", "reset-password", "delete"] {
            let stderr = world.run(&["account", cmd, "nobody"]).await.failure();
            assert!(
                stderr.contains("no local account named \"nobody\""),
                "{cmd}: {stderr}"
            );
        }

        // delete: asks for --yes, then removes the login; the name stays reserved
        let stderr = world.run(&["account", "delete", "alice"]).await.failure();
        assert!(stderr.contains("--yes"), "{stderr}");
        server.login_ok(email, &new_password).await;
        world
            .run(&["account", "delete", "alice", "--yes"])
            .await
            .success();
        assert!(server.login(email, &new_password).await.is_err());
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 401, "token survived deletion");
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            !list.stdout.lines().any(|l| l.starts_with("alice ")),
            "{list:?}"
        );
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice",
                "--email",
                "new-alice@example.com",
            ])
            .await
            .failure();
        assert!(
            stderr.contains("Username has already been taken"),
            "{stderr}"
        );

        server.terminate().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// starling serve: restart and crash

#[tokio::test]
async fn graceful_restart_keeps_accounts_posts_and_tokens() {
    timed(async {
        let world = World::new().await;
        let password = world.create_account("alice", true).await;
        let bob_password = world.create_account("bob", false).await;

        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;
        let mut posts = Vec::new();
        for i in 0..10 {
            let status = server
                .post_status(&token, &format!("before restart {i}"))
                .await;
            posts.push((status["id"].as_str().unwrap().to_string(), i));
        }
        server.terminate().await;
        // A clean shutdown checkpoints SQLite's write-ahead log into the database file.
        if let Some(path) = world.db.url.strip_prefix("sqlite://") {
            let wal = PathBuf::from(format!("{path}-wal"));
            let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            assert_eq!(wal_len, 0, "{} not checkpointed on SIGTERM", wal.display());
        }

        let server = world.serve().await;
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "token lost across restart: {me}");
        assert_eq!(me["statuses_count"], 10, "{me}");
        for (id, i) in &posts {
            let (status, json) = server.get(&format!("/api/v1/statuses/{id}"), &token).await;
            assert_eq!(status, 200, "status {id} lost: {json}");
            assert!(
                json["content"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("before restart {i}")),
                "{json}"
            );
        }
        server.login_ok("bob@example.com", &bob_password).await;
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            list.stdout.contains("alice") && list.stdout.contains("bob"),
            "{list:?}"
        );
        // And it still takes writes.
        server.post_status(&token, "after restart").await;
        server.terminate().await;
    })
    .await;
}

#[tokio::test]
async fn sigkill_during_a_burst_of_posts_loses_no_accepted_post() {
    timed(async {
        const TASKS: usize = 8;
        const PER_TASK: usize = 25;
        const KILL_AFTER: usize = 60;

        let world = World::new().await;
        let password = world.create_account("alice", false).await;
        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;

        let accepted = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
        let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let accepted = accepted.clone();
            let failed = failed.clone();
            let token = token.clone();
            let url = server.url("/api/v1/statuses");
            tasks.push(tokio::spawn(async move {
                let http = http_client();
                for i in 0..PER_TASK {
                    let text = format!("burst {t}-{i}");
                    let resp = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "status": text }))
                        .send()
                        .await;
                    let resp = match resp {
                        Ok(r) => r,
                        // The server is gone: every later request fails the same way.
                        Err(_) => {
                            failed.fetch_add(PER_TASK - i, std::sync::atomic::Ordering::SeqCst);
                            return;
                        }
                    };
                    if resp.status().as_u16() != 200 {
                        failed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        continue;
                    }
                    // A 200 whose body was cut off by the kill does not count as seen.
                    let Ok(body) = resp.json::<Value>().await else {
                        failed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        continue;
                    };
                    let id = body["id"].as_str().expect("id").to_string();
                    accepted.lock().unwrap().push((id, text));
                }
            }));
        }

        let deadline = Instant::now() + Duration::from_secs(120);
        while accepted.lock().unwrap().len() < KILL_AFTER {
            assert!(
                Instant::now() < deadline,
                "only {} posts accepted in 120s:\n{}",
                accepted.lock().unwrap().len(),
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().await;
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("burst task did not stop")
                .expect("burst task panicked");
        }
        let accepted = accepted.lock().unwrap().clone();
        let failed = failed.load(std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "SIGKILL after {} accepted posts, {failed} not accepted",
            accepted.len()
        );
        assert!(accepted.len() >= KILL_AFTER);
        assert!(
            accepted.len() < TASKS * PER_TASK,
            "the kill came after the burst ended; nothing was tested"
        );
        assert_eq!(accepted.len() + failed, TASKS * PER_TASK);

        let server = world.serve().await;
        let mut lost = Vec::new();
        for (id, text) in &accepted {
            let (status, json) = server.get(&format!("/api/v1/statuses/{id}"), &token).await;
            if status != 200
                || !json["content"]
                    .as_str()
                    .unwrap_or("")
                    .contains(text.as_str())
            {
                lost.push((id.clone(), status));
            }
        }
        assert!(
            lost.is_empty(),
            "{} of {} accepted posts lost after SIGKILL: {lost:?}",
            lost.len(),
            accepted.len()
        );
        // The restarted instance is consistent and writable.
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "{me}");
        assert!(
            me["statuses_count"].as_u64().unwrap() >= accepted.len() as u64,
            "statuses_count {} < {} accepted",
            me["statuses_count"],
            accepted.len()
        );
        server.post_status(&token, "after the crash").await;
        server.terminate().await;
    })
    .await;
}

/// The federation settings of test networks, for a configuration file.
fn federating(config: ConfigFile) -> ConfigFile {
    config
        .set("federation", "allow_private_addresses", "true")
        .set("federation", "request_timeout_secs", "5")
        .set("federation", "connect_timeout_secs", "2")
        .set("federation", "retry_base_ms", "200")
        .set("federation", "retry_max_ms", "1000")
}

#[tokio::test]
async fn sigkill_with_deliveries_pending_delivers_each_exactly_once_after_restart() {
    timed(async {
        const POSTS: usize = 12;
        let mut beta = crate::support::TestApp::start().await;
        let bob = beta.user("bob").await;
        let world = World::new().await;
        world.write_config(&federating(world.config()));
        let password = world.create_account("alice", false).await;
        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;
        let alice = format!("alice@127.0.0.1:{}", world.port);
        beta.follow_remote(&bob, &alice).await;

        // Beta goes down; alpha accepts posts whose deliveries must wait.
        beta.go_down().await;
        let mut uris = Vec::new();
        for i in 0..POSTS {
            let s = server.post_status(&token, &format!("pending {i}")).await;
            uris.push(s["uri"].as_str().unwrap().to_string());
        }
        // Every post is in the queue (none delivered: beta is down).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = world
                .run(&["federation", "status", "--json"])
                .await
                .success();
            let status: Value = serde_json::from_str(&out.stdout).expect("status JSON");
            if status["queued_deliveries"] == POSTS && status["pending_events"] == 0 {
                let beta_host = &status["hosts"][0];
                assert_eq!(beta_host["queued"], POSTS, "{status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "deliveries never queued: {status}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server.kill().await;

        beta.come_back().await;
        let server = world.serve().await;
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while got.len() < POSTS {
            got = beta
                .home(&bob)
                .await
                .into_iter()
                .filter(|s| s["account"]["acct"] == alice.as_str())
                .map(|s| s["uri"].as_str().unwrap().to_string())
                .collect();
            assert!(
                Instant::now() < deadline,
                "{} of {POSTS} posts arrived after the restart:\n{}",
                got.len(),
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let distinct: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), POSTS, "a post arrived twice: {got:?}");
        assert_eq!(got.len(), POSTS);
        for uri in &uris {
            assert!(got.contains(uri), "{uri} never arrived");
        }
        let out = world.run(&["federation", "status"]).await.success();
        assert!(out.stdout.contains("reachable"), "{}", out.stdout);
        server.terminate().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// starling domain …

#[tokio::test]
async fn domain_commands_block_list_export_and_import_mastodon_csv() {
    timed(async {
        let world = World::new().await;
        let header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";
        world
            .run(&[
                "domain",
                "block",
                "Evil.Example",
                "--severity",
                "silence",
                "--reject-media",
                "--public-comment",
                "spam, lots",
            ])
            .await
            .success();
        let list = world.run(&["domain", "list"]).await.success();
        let line = list
            .stdout
            .lines()
            .find(|l| l.starts_with("evil.example "))
            .unwrap_or_else(|| panic!("not listed: {list:?}"));
        assert!(line.contains("silence") && line.contains("spam, lots"), "{line}");

        let err = world
            .run(&["domain", "block", "https://bad.example/users/a"])
            .await
            .failure();
        assert!(err.contains("not a domain"), "{err}");
        let err = world
            .run(&["domain", "block", "bad.example", "--severity", "obliterate"])
            .await
            .failure();
        assert!(err.contains("unknown severity"), "{err}");

        let export = world.run(&["domain", "export"]).await.success();
        assert_eq!(
            export.stdout,
            format!("{header}\nevil.example,silence,true,false,\"spam, lots\",false\n")
        );

        // A file that changes one block and adds one: the dry run changes nothing.
        let file = world.dir.path().join("blocks.csv");
        std::fs::write(
            &file,
            format!(
                "{header}\nevil.example,suspend,true,false,\"spam, lots\",false\nnew.example,noop,false,true,,false\n"
            ),
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let dry = world
            .run(&["domain", "import", path, "--dry-run"])
            .await
            .success();
        assert!(dry.stdout.contains("+ new.example noop"), "{dry:?}");
        assert!(dry.stdout.contains("~ evil.example silence -> suspend"), "{dry:?}");
        assert!(
            dry.stdout.contains("Dry run: 1 new, 1 changed, 0 unchanged"),
            "{dry:?}"
        );
        let unchanged = world.run(&["domain", "export"]).await.success();
        assert_eq!(unchanged.stdout, export.stdout, "a dry run changes nothing");

        let done = world.run(&["domain", "import", path]).await.success();
        assert!(done.stdout.contains("Imported: 1 new, 1 changed"), "{done:?}");
        let export = world.run(&["domain", "export"]).await.success();
        assert_eq!(
            export.stdout,
            format!(
                "{header}\nevil.example,suspend,true,false,\"spam, lots\",false\nnew.example,noop,false,true,,false\n"
            )
        );

        // One bad line: nothing of the file is imported.
        std::fs::write(
            &file,
            format!("{header}\nthird.example,suspend,,,,\nfourth.example,obliterate,,,,\n"),
        )
        .unwrap();
        let err = world.run(&["domain", "import", path]).await.failure();
        assert!(err.contains("line 3"), "{err}");
        let after = world.run(&["domain", "export"]).await.success();
        assert_eq!(after.stdout, export.stdout, "nothing half-imported");

        // The export reads back as it is.
        std::fs::write(&file, &export.stdout).unwrap();
        let again = world.run(&["domain", "import", path]).await.success();
        assert!(
            again.stdout.contains("0 new, 0 changed, 2 unchanged"),
            "{again:?}"
        );

        world
            .run(&["domain", "unblock", "new.example"])
            .await
            .success();
        let list = world.run(&["domain", "list", "--json"]).await.success();
        let doc: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
        let domains: Vec<&str> = doc["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["domain"].as_str().unwrap())
            .collect();
        assert_eq!(domains, ["evil.example"]);
        assert_eq!(doc["mode"], "blocklist");
        let err = world
            .run(&["domain", "unblock", "new.example"])
            .await
            .failure();
        assert!(err.contains("not blocked"), "{err}");
    })
    .await;
}
