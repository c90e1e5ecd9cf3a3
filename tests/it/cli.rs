//! The command line as a Unix tool: output into a pipe that closes early.

use crate::support::TestApp;

#[tokio::test]
async fn output_into_a_closed_pipe_is_no_panic() {
    let app = TestApp::start().await;
    for name in ["alice", "bob", "carol"] {
        app.user(name).await;
    }
    // Writes the configuration file the command line reads (and checks it works).
    let (code, _, stderr) = app.cli(&["account", "list"]).await;
    assert_eq!(code, 0, "{stderr}");
    let config = app.dir.path().join("cli.toml");
    for args in [
        &["account", "list"][..],
        &["domain", "list"],
        &["domain", "export"],
    ] {
        let config = config.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (status, stderr) = tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_starling"))
                .arg("--config")
                .arg(&config)
                .args(&args)
                .env_remove("RUST_LOG")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run starling");
            // `| head -0`: the reader is gone before anything is written.
            drop(child.stdout.take());
            let out = child.wait_with_output().expect("starling ends");
            (
                out.status,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .await
        .unwrap();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
        assert!(status.success(), "{status:?}: {stderr}");
    }
}
