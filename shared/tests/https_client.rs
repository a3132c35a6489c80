//! The outside-service client speaks TLS: an `https://` base URL starts a
//! TLS handshake (Daraja, Africa's Talking and a hosted model are HTTPS
//! only). Without TLS built in, reqwest refuses the scheme before it
//! connects, and this server would see nothing.

use std::time::Duration;

use shared::ollama::{OllamaClient, OllamaConfig};
use tokio::{io::AsyncReadExt, net::TcpListener};

#[tokio::test]
async fn an_https_base_url_opens_a_tls_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 5];
        socket.read_exact(&mut buf).await.unwrap();
        buf
    });
    let client = OllamaClient::new(OllamaConfig::new(
        format!("https://127.0.0.1:{port}"),
        "smollm2:135m",
    ));
    // The handshake cannot finish (no certificate): the call fails, but
    // only after the client has said hello in TLS.
    assert!(client.capabilities().await.is_err());
    let hello = tokio::time::timeout(Duration::from_secs(5), first_bytes)
        .await
        .expect("the client connected")
        .unwrap();
    // A TLS record: handshake (22), protocol 3.x.
    assert_eq!(hello[0], 0x16, "{hello:?}");
    assert_eq!(hello[1], 0x03, "{hello:?}");
}
