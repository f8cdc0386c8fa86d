//! What every handler shares: the settings the service runs with
//! ([`ServerConfig`]) and the state made from them ([`AppState`]): the
//! dataset, the rules, the tile source and its cache, the negotiation's
//! store, the slots for heavy work.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use hecmap_core::dataset::Dataset;
use hecmap_core::rules::RulesConfig;
use hecmap_tiles::{TileLayer, TileProvider, TileSource};

/// Settings of the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on (loopback by default).
    pub addr: SocketAddr,
    /// Largest request body accepted, in bytes (plans and uploads).
    pub body_limit_bytes: usize,
    /// Longest a request may take.
    pub timeout_secs: u64,
    /// Origins allowed to call the API from a browser (CORS); empty: none
    /// but the service's own pages; `*`: any.
    pub cors_origins: Vec<String>,
    /// Tiles kept in memory.
    pub tile_cache_entries: usize,
    /// Directory of the web UI's built files, served at `/`.
    pub web_dir: Option<PathBuf>,
    /// Mark the session cookie `Secure` (serve over HTTPS, or behind a
    /// proxy that does).
    pub secure_cookies: bool,
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client;
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Plans validated or exported at once (reading, resolving, checking);
    /// past it a request waits [`HEAVY_QUEUE_WAIT`], then gets 503.
    pub heavy_concurrency: usize,
    /// Caps on uploaded plans.
    pub limits: hecmap_core::limits::InputLimits,
    /// How binary uploads are read: in a separate, limited process by
    /// `hecmap serve`; in process where no executable is at hand (tests).
    #[serde(skip, default = "in_process")]
    pub reader: hecmap_core::source::ForeignReader,
}

fn in_process() -> hecmap_core::source::ForeignReader {
    hecmap_core::source::ForeignReader::InProcess
}

/// How long a plan may wait for a free slot before the answer is 503.
pub const HEAVY_QUEUE_WAIT: Duration = Duration::from_secs(2);

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 20 * 1024 * 1024,
            timeout_secs: 30,
            cors_origins: Vec::new(),
            tile_cache_entries: 20_000,
            web_dir: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            heavy_concurrency: 2,
            limits: hecmap_core::limits::InputLimits::default(),
            reader: in_process(),
        }
    }
}

/// A cached tile, or None for an empty tile.
pub type CachedTile = Option<Arc<EncodedTile>>;

/// A tile's bytes, plain and gzipped once: a cached tile is never
/// compressed again (a z6 tile costs 0.4 ms plain and 4 ms to gzip).
#[derive(Debug)]
pub struct EncodedTile {
    pub plain: axum::body::Bytes,
    pub gzip: axum::body::Bytes,
}

impl EncodedTile {
    pub fn new(plain: Vec<u8>) -> std::io::Result<Self> {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(plain.len() / 2),
            flate2::Compression::default(),
        );
        gz.write_all(&plain)?;
        Ok(Self {
            gzip: gz.finish()?.into(),
            plain: plain.into(),
        })
    }
}

/// What every handler shares.
pub struct AppState {
    pub data: Arc<Dataset>,
    pub rules: RulesConfig,
    /// The tile backend, seen only through [`TileProvider`].
    pub tiles: Box<dyn TileProvider>,
    pub tile_cache: quick_cache::sync::Cache<(TileLayer, u8, u32, u32), CachedTile>,
    pub config: ServerConfig,
    /// The negotiation's storage (proposals, rulings, accounts); None:
    /// its routes answer 503.
    pub store: Option<hecmap_negotiation::Store>,
    /// Slots for CPU-bound work on plans ([`ServerConfig::heavy_concurrency`]).
    pub heavy_work: Arc<tokio::sync::Semaphore>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Prepares the state: builds the tile source over the dataset.
    pub fn new(data: Arc<Dataset>, rules: RulesConfig, config: ServerConfig) -> SharedState {
        Self::with_store(data, rules, config, None)
    }

    /// Prepares the state with the negotiation's storage.
    pub fn with_store(
        data: Arc<Dataset>,
        rules: RulesConfig,
        config: ServerConfig,
        store: Option<hecmap_negotiation::Store>,
    ) -> SharedState {
        let tiles: Box<dyn TileProvider> = Box::new(TileSource::new(&data));
        Arc::new(Self {
            tile_cache: quick_cache::sync::Cache::new(config.tile_cache_entries.max(1)),
            heavy_work: Arc::new(tokio::sync::Semaphore::new(config.heavy_concurrency.max(1))),
            data,
            rules,
            tiles,
            config,
            store,
        })
    }
}
