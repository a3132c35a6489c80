//! One LISTEN connection for the whole process. Each notified event is read
//! once, under RLS for its school, and fanned out to that school's SSE
//! subscribers. After a lost connection every subscriber is woken to catch
//! up from the table, so nothing committed meanwhile is missed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use shared::{db, events};
use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::broadcast;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Signal {
    Event {
        school_id: Uuid,
        event: Arc<events::Event>,
    },
    /// The listener reconnected: read the table to catch up.
    CatchUp,
    /// The server is shutting down: end the streams, so draining does not
    /// wait on clients that never hang up.
    Closing,
}

#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Signal>,
    /// Open SSE streams; the broadcast's own receiver count also holds
    /// requests waiting on an operation (`Prefer: wait`).
    streams: Arc<AtomicUsize>,
}

/// Held by an open SSE stream; dropping it (the client left) counts it out.
pub struct StreamGuard(Arc<AtomicUsize>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl EventHub {
    /// Starts the listener task; it runs until the process exits.
    pub fn start(pool: PgPool) -> Self {
        let (sender, _) = broadcast::channel(4096);
        let hub = Self {
            sender,
            streams: Arc::default(),
        };
        tokio::spawn(listen(pool, hub.sender.clone()));
        hub
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    /// Ends every open stream (at shutdown).
    pub fn close(&self) {
        let _ = self.sender.send(Signal::Closing);
    }

    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Counts an SSE stream in until the guard is dropped.
    pub fn stream_opened(&self) -> StreamGuard {
        self.streams.fetch_add(1, Ordering::Relaxed);
        StreamGuard(self.streams.clone())
    }

    /// SSE streams open now.
    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::Relaxed)
    }
}

async fn listen(pool: PgPool, sender: broadcast::Sender<Signal>) {
    const FIRST_RETRY: Duration = Duration::from_millis(200);
    let mut backoff = FIRST_RETRY;
    loop {
        let mut connected = false;
        if let Err(err) = run(&pool, &sender, &mut connected).await {
            tracing::warn!(error = %err, "event listener lost its connection; reconnecting");
        }
        backoff = if connected {
            FIRST_RETRY
        } else {
            (backoff * 2).min(Duration::from_secs(5))
        };
        tokio::time::sleep(backoff).await;
    }
}

/// Listens until the connection is lost. Notifications sent while it was
/// down are gone, so every (re)connect is followed by a catch-up signal:
/// subscribers read the table from their last id.
async fn run(
    pool: &PgPool,
    sender: &broadcast::Sender<Signal>,
    connected: &mut bool,
) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(events::CHANNEL).await?;
    *connected = true;
    let _ = sender.send(Signal::CatchUp);
    loop {
        // try_recv, not recv: recv reconnects silently, and the
        // notifications missed in between would never be caught up.
        let notification = listener
            .try_recv()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the LISTEN connection was closed"))?;
        let Some((school, id)) = notification.payload().split_once(':') else {
            continue;
        };
        let (Ok(school_id), Ok(id)) = (school.parse::<Uuid>(), id.parse::<i64>()) else {
            continue;
        };
        if sender.receiver_count() == 0 {
            continue;
        }
        let mut tx = db::begin_tenant(pool, school_id, None).await?;
        let found = events::after(&mut tx, id - 1, 1).await?;
        tx.commit().await?;
        if let Some(event) = found.into_iter().find(|e| e.id == id) {
            let _ = sender.send(Signal::Event {
                school_id,
                event: Arc::new(event),
            });
        }
    }
}
