//! End-to-end tests of the client against tiny HTTP/1.1 responders on 127.0.0.1.
//!
//! The responders are hand-written so that they can misbehave (lie about lengths, stall,
//! stream forever); each runs on the test's own runtime and stops with it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::HeaderMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::{HttpClient, NetConfig, NetError};

/// What a test responder does with each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// 200 with the request head as the body.
    Echo,
    /// `/r/N` redirects to `/r/N+1` while N < the limit, then 200.
    Redirects(usize),
    /// 200, no Content-Length, then 10 MB until the client hangs up.
    Huge,
    /// Claims a 5 GB body, sends five bytes and keeps the connection open.
    LyingLength,
    /// Accepts the connection and never answers.
    Silent,
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

async fn serve(behaviour: Behaviour) -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(respond(stream, behaviour));
        }
    });
    addr
}

async fn respond(mut stream: TcpStream, behaviour: Behaviour) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let reply = |status: &str, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    match behaviour {
        Behaviour::Echo => {
            let _ = stream
                .write_all(reply("200 OK", "", &head).as_bytes())
                .await;
        }
        Behaviour::Redirects(limit) => {
            let n: usize = path
                .strip_prefix("/r/")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let out = if n < limit {
                reply("302 Found", &format!("Location: /r/{}\r\n", n + 1), "")
            } else {
                reply("200 OK", "", "arrived")
            };
            let _ = stream.write_all(out.as_bytes()).await;
        }
        Behaviour::Huge => {
            let start = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
            if stream.write_all(start.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..160 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        Behaviour::LyingLength => {
            let out = "HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\nhello";
            let _ = stream.write_all(out.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Behaviour::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
    }
}

fn client(allow_private_addresses: bool) -> HttpClient {
    HttpClient::new(NetConfig {
        allow_private_addresses,
        user_agent: "Starling/test (+https://starling.test/)".into(),
        ..NetConfig::default()
    })
    .expect("client")
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap_or_else(|e| panic!("bad test URL {s}: {e}"))
}

async fn get(client: &HttpClient, u: &str) -> Result<(http::StatusCode, bytes::Bytes), NetError> {
    let (status, _, body) = client
        .get_bytes(&url(u), "application/activity+json", HeaderMap::new())
        .await?;
    Ok((status, body))
}

#[tokio::test]
async fn loopback_is_refused_without_connecting() {
    let (listener, addr) = listener().await;
    let port = addr.port();
    let guarded = client(false);
    for u in [
        format!("http://127.0.0.1:{port}/actor"),
        format!("http://localhost:{port}/actor"),
        format!("https://127.0.0.1:{port}/actor"),
        // resolves to 127.0.0.1: refused by the resolver, at connect time
        format!("https://localhost:{port}/actor"),
        format!("https://[::ffff:127.0.0.1]:{port}/actor"),
    ] {
        match get(&guarded, &u).await {
            Err(NetError::Forbidden(msg)) => {
                assert!(msg.contains("allow_private_addresses"), "{u}: {msg}");
            }
            other => panic!("{u}: expected Forbidden, got {other:?}"),
        }
    }
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(
        accepted.is_err(),
        "the guarded client must not have connected"
    );
}

#[tokio::test]
async fn loopback_is_reachable_when_allowed() {
    let addr = serve(Behaviour::Echo).await;
    let open = client(true);
    for host in ["127.0.0.1", "localhost"] {
        let u = format!("http://{host}:{}/users/alice", addr.port());
        let (status, body) = get(&open, &u).await.unwrap_or_else(|e| panic!("{u}: {e}"));
        assert_eq!(status, http::StatusCode::OK);
        let head = String::from_utf8_lossy(&body).to_ascii_lowercase();
        assert!(head.starts_with("get /users/alice http/1.1"), "{head}");
        assert!(head.contains("accept: application/activity+json"), "{head}");
        assert!(
            head.contains("user-agent: starling/test (+https://starling.test/)"),
            "{head}"
        );
    }
}

#[tokio::test]
async fn send_checks_requests_built_elsewhere() {
    let guarded = client(false);
    let req = reqwest::Request::new(http::Method::POST, url("https://10.0.0.1/inbox"));
    assert!(matches!(
        guarded.send(req).await,
        Err(NetError::Forbidden(_))
    ));
    assert!(matches!(
        guarded.request(http::Method::GET, &url("ftp://example.com/")),
        Err(NetError::InvalidUrl)
    ));
}

#[tokio::test]
async fn redirects_are_capped() {
    let addr = serve(Behaviour::Redirects(3)).await;
    let open = client(true);
    let (status, body) = get(&open, &format!("http://127.0.0.1:{}/r/0", addr.port()))
        .await
        .expect("three redirects are allowed");
    assert_eq!((status, &body[..]), (http::StatusCode::OK, &b"arrived"[..]));

    let addr = serve(Behaviour::Redirects(usize::MAX)).await;
    let err = get(&open, &format!("http://127.0.0.1:{}/r/0", addr.port())).await;
    assert_eq!(err, Err(NetError::TooManyRedirects));
}

#[tokio::test]
async fn endless_body_is_cut_off() {
    let addr = serve(Behaviour::Huge).await;
    let open = HttpClient::new(NetConfig {
        allow_private_addresses: true,
        max_response_bytes: 1024 * 1024,
        ..NetConfig::default()
    })
    .expect("client");
    let err = get(&open, &format!("http://127.0.0.1:{}/", addr.port())).await;
    assert_eq!(err, Err(NetError::TooLarge));
}

#[tokio::test]
async fn huge_content_length_is_refused_up_front() {
    let addr = serve(Behaviour::LyingLength).await;
    let open = client(true);
    let started = Instant::now();
    let err = get(&open, &format!("http://127.0.0.1:{}/", addr.port())).await;
    assert_eq!(err, Err(NetError::TooLarge));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "must not wait for the body"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let addr = serve(Behaviour::Silent).await;
    let open = HttpClient::new(NetConfig {
        allow_private_addresses: true,
        request_timeout: Duration::from_millis(300),
        ..NetConfig::default()
    })
    .expect("client");
    let started = Instant::now();
    let err = get(&open, &format!("http://127.0.0.1:{}/", addr.port()))
        .await
        .expect_err("must time out");
    assert_eq!(err, NetError::Timeout);
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn refused_connection_is_retryable() {
    let (listener, addr) = listener().await;
    drop(listener);
    let err = get(&client(true), &format!("http://127.0.0.1:{}/", addr.port()))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, NetError::Connect(_)), "{err:?}");
    assert!(err.is_retryable());
}
