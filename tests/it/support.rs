//! The test harness: [`TestApp`] starts one in-process instance on a free loopback port
//! over its own database, and offers a Mastodon-shaped HTTP client to drive it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use starling_core::accounts::{self, NewLocalAccount, Role};
use starling_core::{Config, Instance};

/// Which database the suite runs on, from `STARLING_TEST_DATABASE` (`sqlite`, the
/// default, or `postgres`); `STARLING_TEST_POSTGRES_URL` names the server
/// (default `postgres://postgres@127.0.0.1:5432`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_env() -> Self {
        match std::env::var("STARLING_TEST_DATABASE").as_deref() {
            Ok("postgres") | Ok("postgresql") => Backend::Postgres,
            Ok("sqlite") | Ok("") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("STARLING_TEST_DATABASE={other:?}: use sqlite or postgres"),
        }
    }
}

fn postgres_server() -> String {
    std::env::var("STARLING_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

/// A database made for one test and dropped after it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<Arc<tempfile::TempDir>>,
}

impl TestDatabase {
    /// A fresh database of the configured backend; SQLite files live in `dir`.
    pub async fn create(dir: &Arc<tempfile::TempDir>) -> Self {
        match Backend::from_env() {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("starling.db").display()),
                pg_name: None,
                _dir: Some(dir.clone()),
            },
            Backend::Postgres => {
                let name = format!(
                    "starling_test_{}_{}",
                    std::process::id(),
                    rand::random::<u32>()
                );
                let admin = format!("{}/postgres", postgres_server());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("PostgreSQL must run at STARLING_TEST_POSTGRES_URL");
                // The name is made here of digits and a fixed prefix.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                TestDatabase {
                    url: format!("{}/{name}", postgres_server()),
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside or outside a runtime; a thread of its own works in both.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let admin = format!("{}/postgres", postgres_server());
                if let Ok(mut conn) =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await
                {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            })
        })
        .join();
    }
}

/// A configuration for a test instance: loopback domain with `port`, limits off.
pub fn test_config(dir: &std::path::Path, db_url: &str, port: u16) -> Config {
    let mut config = Config::default();
    config.instance.domain = format!("127.0.0.1:{port}");
    config.instance.title = "Starling test".into();
    config.server.listen = SocketAddr::from(([127, 0, 0, 1], port));
    config.database.url = Some(db_url.to_string());
    config.database.max_connections = 4;
    config.storage.data_dir = dir.to_path_buf();
    config.limits.api_requests_per_5min = 0;
    config.limits.registrations_per_30min = 0;
    config.limits.sign_ins_per_5min = 0;
    // Test instances federate over loopback, quickly.
    config.federation.allow_private_addresses = true;
    config.federation.request_timeout_secs = 5;
    config.federation.connect_timeout_secs = 2;
    config.federation.retry_base_ms = 200;
    config.federation.retry_max_ms = 1_000;
    config
}

/// One running instance.
pub struct TestApp {
    pub inst: Arc<Instance>,
    pub base: String,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _db: TestDatabase,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").field("base", &self.base).finish()
    }
}

/// Builds a [`TestApp`] with configuration tweaks.
pub struct TestAppBuilder {
    tweak: Box<dyn FnOnce(&mut Config) + Send>,
    workers: bool,
}

impl TestAppBuilder {
    pub fn config(mut self, f: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        let prev = self.tweak;
        self.tweak = Box::new(move |c| {
            prev(c);
            f(c);
        });
        self
    }

    /// Runs the instance without its federation workers, so that the outbox events
    /// core writes stay in the table for the test to read.
    pub fn without_federation_workers(mut self) -> Self {
        self.workers = false;
        self
    }

    pub async fn start(self) -> TestApp {
        init_test_logging();
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let db = TestDatabase::create(&dir).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let mut config = test_config(dir.path(), &db.url, addr.port());
        (self.tweak)(&mut config);
        let inst = Instance::open(config).await.expect("open instance");
        let (tx, server) = spawn_server(inst.clone(), listener, self.workers);
        TestApp {
            base: inst.urls.base().to_string(),
            inst,
            addr,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            dir,
            shutdown: Some(tx),
            server: Some(server),
            _db: db,
        }
    }
}

/// With `STARLING_TEST_LOG=<filter>` (e.g. `starling_federation=debug`), test instances
/// log to stderr.
fn init_test_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("STARLING_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

/// Serves `inst` (client API, federation and its workers) on `listener` until the
/// returned sender fires.
fn spawn_server(
    inst: Arc<Instance>,
    listener: tokio::net::TcpListener,
    with_workers: bool,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let fed = starling_federation::Federation::new(inst).expect("federation");
    let workers = with_workers.then(|| starling_federation::workers::start(&fed));
    let state = starling_api::AppState::new(fed);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = starling_api::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
        if let Some(workers) = workers {
            workers.stop().await;
        }
    });
    (tx, server)
}

/// A local user with a token carrying every user scope.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

/// A response read whole: status, headers and JSON (or `Value::Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self.json
    }

    /// Asserts a Mastodon error: the status and an `error` string in the body.
    #[track_caller]
    pub fn expect_error(self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self.json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no \"error\" string in {}", self.text))
            .to_string()
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            tweak: Box::new(|_| {}),
            workers: true,
        }
    }

    pub async fn start() -> TestApp {
        Self::builder().start().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Takes the instance off the network (HTTP server and federation workers stop;
    /// the database stays), as a host that goes down.
    pub async fn go_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Brings a downed instance back on the same address and database.
    pub async fn come_back(&mut self) {
        assert!(self.server.is_none(), "the instance is up");
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("bind the same address again");
        let (tx, server) = spawn_server(self.inst.clone(), listener, true);
        self.shutdown = Some(tx);
        self.server = Some(server);
    }

    /// Stops the HTTP server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = self.http.request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::GET, path, token)).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(self.request(Method::POST, path, token).json(&body))
            .await
    }

    pub async fn post_form(&self, path: &str, token: Option<&str>, form: &[(&str, &str)]) -> Reply {
        self.send(self.request(Method::POST, path, token).form(form))
            .await
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(self.request(Method::PUT, path, token).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::DELETE, path, token)).await
    }

    /// Registers an OAuth application and returns `(client_id, client_secret)`.
    pub async fn create_app(&self, scopes: &str) -> (String, String) {
        let app = self
            .post_form(
                "/api/v1/apps",
                None,
                &[
                    ("client_name", "starling tests"),
                    ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                    ("scopes", scopes),
                ],
            )
            .await
            .expect(200);
        (
            app["client_id"].as_str().unwrap().to_string(),
            app["client_secret"].as_str().unwrap().to_string(),
        )
    }

    /// A token for `email`/`password` through the password grant.
    pub async fn password_token(&self, email: &str, password: &str, scopes: &str) -> String {
        let (id, secret) = self.create_app(scopes).await;
        let token = self
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("username", email),
                    ("password", password),
                    ("scope", scopes),
                ],
            )
            .await
            .expect(200);
        token["access_token"].as_str().unwrap().to_string()
    }

    /// Creates a local account directly in core (as `starling account create` does) and
    /// logs it in with `scopes`.
    pub async fn user_with_scopes(&self, username: &str, role: Role, scopes: &str) -> User {
        let email = format!("{username}@example.com");
        let password = format!("{username}-secret-password");
        let created = accounts::create_local(
            &self.inst,
            NewLocalAccount {
                username: username.to_string(),
                email: email.clone(),
                password: password.clone(),
                role,
                approved: true,
                locale: None,
                reason: String::new(),
                allow_reserved: true,
            },
        )
        .await
        .expect("create account");
        let token = self.password_token(&email, &password, scopes).await;
        User {
            id: created.account.id.to_string(),
            username: username.to_string(),
            email,
            password,
            token,
        }
    }

    /// A user with `read write follow push`.
    pub async fn user(&self, username: &str) -> User {
        self.user_with_scopes(username, Role::User, "read write follow push")
            .await
    }

    /// Posts a status with the given text and returns its JSON.
    pub async fn post_status(&self, user: &User, text: &str) -> Value {
        self.post_json(
            "/api/v1/statuses",
            Some(&user.token),
            json!({ "status": text }),
        )
        .await
        .expect(200)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---- Helpers for the statuses, timelines, follows and bad-input tests. ----

/// A `width`×`height` RGB PNG whose pixels `pixel(x, y)` gives, encoded by `image`
/// without compression, so that the tests of size limits know the file's size.
fn encode_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb(pixel(x, y)));
    let mut out = Vec::new();
    PngEncoder::new_with_quality(
        &mut out,
        CompressionType::Uncompressed,
        FilterType::NoFilter,
    )
    .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
    .expect("encode PNG");
    out
}

/// A real, valid `width`×`height` RGB PNG of a colour gradient.
pub fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    encode_png(width, height, |x, y| {
        [
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            128,
        ]
    })
}

/// The `next` and `prev` URLs of a `Link` header.
pub fn link_rels(link: &str) -> (Option<String>, Option<String>) {
    let mut next = None;
    let mut prev = None;
    for part in link.split(", ") {
        let (url, rel) = part.split_once("; ").expect("`<url>; rel=\"…\"`");
        let url = url
            .strip_prefix('<')
            .and_then(|u| u.strip_suffix('>'))
            .expect("<url>")
            .to_string();
        match rel {
            "rel=\"next\"" => next = Some(url),
            "rel=\"prev\"" => prev = Some(url),
            other => panic!("unexpected rel {other:?} in {link:?}"),
        }
    }
    (next, prev)
}

impl TestApp {
    /// Uploads a small real PNG through `POST /api/v2/media`; returns the attachment.
    pub async fn upload_png(&self, user: &User) -> Value {
        let part = reqwest::multipart::Part::bytes(png_bytes(8, 6))
            .file_name("pixel.png")
            .mime_str("image/png")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("description", "a small gradient");
        self.send(
            self.request(Method::POST, "/api/v2/media", Some(&user.token))
                .multipart(form),
        )
        .await
        .expect(200)
    }

    /// Posts a status with a full JSON body and returns its JSON.
    pub async fn post_status_json(&self, user: &User, body: Value) -> Value {
        self.post_json("/api/v1/statuses", Some(&user.token), body)
            .await
            .expect(200)
    }

    /// `statuses_count` of the user's own account, from `verify_credentials`.
    pub async fn statuses_count(&self, user: &User) -> i64 {
        self.get("/api/v1/accounts/verify_credentials", Some(&user.token))
            .await
            .expect(200)["statuses_count"]
            .as_i64()
            .expect("statuses_count")
    }

    /// `follower` follows `target` and the follow is answered with `following: true`.
    pub async fn follow(&self, follower: &User, target: &User) -> Value {
        self.post_json(
            &format!("/api/v1/accounts/{}/follow", target.id),
            Some(&follower.token),
            json!({}),
        )
        .await
        .expect(200)
    }

    /// The ids of a JSON array of entities, in order.
    pub fn ids_of(list: &Value) -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("not an array: {list}"))
            .iter()
            .map(|s| s["id"].as_str().expect("string id").to_string())
            .collect()
    }
}

// ---------------------------------------------------------------------------------
// Helpers for the accounts, OAuth and web-page tests.
// ---------------------------------------------------------------------------------

/// A valid RGB PNG of one colour.
pub fn png_image(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    encode_png(width, height, |_, _| rgb)
}

/// Undoes the HTML escaping of an attribute value or text in a rendered page.
pub fn html_unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&#x26;", "&")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `value` of the `<input name="{name}">` in a rendered page, unescaped.
pub fn form_input(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let v = tag.find("value=\"")? + 7;
    let len = tag[v..].find('"')?;
    Some(html_unescape(&tag[v..v + len]))
}

impl TestApp {
    /// Suspends account `id` as the command line does (the audited account action).
    pub async fn suspend(&self, id: i64) {
        use starling_core::moderation::accounts::{self, Action, ActionKind, Actor};
        accounts::act(&self.inst, Actor::Cli, id, Action::new(ActionKind::Suspend))
            .await
            .expect("suspend");
    }

    /// Approves the sign-up of account `id` as the command line does.
    pub async fn approve(&self, id: i64) {
        starling_core::moderation::accounts::approve(
            &self.inst,
            starling_core::moderation::accounts::Actor::Cli,
            id,
        )
        .await
        .expect("approve");
    }

    /// A browser opening the sign-in page: the `_starling_csrf` cookie it gets (as a
    /// `Cookie` header value) and the form's token.
    pub async fn sign_in_visit(&self) -> (String, String) {
        let page = self.get("/auth/sign_in", None).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text);
        let cookie = page
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("_starling_csrf="))
            .and_then(|v| v.split(';').next())
            .expect("a _starling_csrf cookie")
            .to_string();
        let token = form_input(&page.text, "csrf_token").expect("a csrf_token input");
        (cookie, token)
    }

    /// Sends the sign-in form with `fields`, as a browser that opened the sign-in page
    /// would: with its cookie and the form's token.
    pub async fn sign_in_form(&self, fields: &[(&str, &str)]) -> Reply {
        let (cookie, token) = self.sign_in_visit().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.send(
            self.request(Method::POST, "/auth/sign_in", None)
                .header("cookie", cookie)
                .form(&form),
        )
        .await
    }
}

/// `starling --config CONFIG args…` on a clean environment (no `STARLING_*`, no
/// `RUST_LOG`): its exit code, stdout and stderr.
pub async fn run_starling(config: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_starling"));
    cmd.arg("--config").arg(config).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("STARLING_") || key == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
    let out = tokio::time::timeout(std::time::Duration::from_secs(90), cmd.output())
        .await
        .expect("`starling` finished within 90 s")
        .expect("run starling");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl TestApp {
    /// A remote account `name@domain`, stored as federation stores a fetched actor.
    pub async fn remote_account(
        &self,
        name: &str,
        domain: &str,
    ) -> starling_core::entities::account::Model {
        use starling_core::accounts::remote::{self, RemoteActor};
        remote::upsert(
            &self.inst,
            RemoteActor {
                uri: format!("https://{domain}/users/{name}"),
                username: name.to_string(),
                domain: domain.into(),
                actor_type: "Person".into(),
                inbox: Some(format!("https://{domain}/users/{name}/inbox")),
                ..RemoteActor::default()
            },
        )
        .await
        .expect("remote account")
    }

    /// [`run_starling`] with a configuration file for this instance's database.
    pub async fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let config = &self.inst.config;
        let path = self.dir.path().join("cli.toml");
        let toml = format!(
            "[instance]\ndomain = {domain}\ntitle = \"Starling test\"\n\n\
             [server]\nlisten = {listen}\n\n\
             [database]\nurl = {url}\nmax_connections = 2\n\n\
             [storage]\ndata_dir = {data}\n\n\
             [federation]\nallow_private_addresses = true\n\n\
             [log]\nlevel = \"warn\"\n",
            domain = json!(config.instance.domain),
            listen = json!(config.server.listen.to_string()),
            url = json!(config.database.url.clone().unwrap()),
            data = json!(config.storage.data_dir.display().to_string()),
        );
        std::fs::write(&path, toml).unwrap();
        run_starling(&path, args).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path, token).json(&body))
            .await
    }

    pub async fn patch_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> Reply {
        self.send(self.request(Method::PATCH, path, token).form(form))
            .await
    }

    /// An application token (`client_credentials`) of a new app with `scopes`.
    pub async fn app_token(&self, scopes: &str) -> String {
        let (id, secret) = self.create_app(scopes).await;
        let token = self
            .post_json(
                "/oauth/token",
                None,
                json!({
                    "grant_type": "client_credentials",
                    "client_id": id,
                    "client_secret": secret,
                    "scope": scopes,
                }),
            )
            .await
            .expect(200);
        token["access_token"].as_str().unwrap().to_string()
    }
}
