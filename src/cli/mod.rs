//! Command-line interface: parses arguments, loads the dataset with a
//! progress display, and prints what the engine computes.

mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use hecmap_core::dataset::{DataConfig, Dataset, Progress};
use hecmap_core::export::ExportFormat;
use hecmap_core::limits::InputLimits;
use hecmap_core::medicare::CountsFile;
use hecmap_core::plan::{PlanFormat, PlanScope};
use hecmap_core::rules::RulesConfig;
use hecmap_core::units::Level;

/// Draw and validate Connecticut's Health Enhancement Community boundaries.
#[derive(Debug, Parser)]
#[command(name = "hecmap", version, about)]
pub struct Cli {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the Connecticut data is and how to read it.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Directory with the data files (those the manifest names).
    #[arg(long, global = true, env = "HECMAP_DATA")]
    data: Option<PathBuf>,
    /// A dataset manifest (TOML) naming the data files and their columns;
    /// the built-in Connecticut manifest (data/connecticut.toml) by default.
    #[arg(long, global = true, env = "HECMAP_MANIFEST")]
    manifest: Option<PathBuf>,
    /// Units whose land comes this close across water are neighbours (metres).
    #[arg(long, global = true, env = "HECMAP_WATER_GAP_M")]
    water_gap_m: Option<f64>,
    /// A CSV of real Medicare beneficiary counts that replaces the estimate.
    #[arg(long, global = true)]
    medicare_counts: Option<PathBuf>,
    /// Whether the counts are per tract or per town.
    #[arg(long, global = true, default_value = "tract")]
    medicare_level: Level,
}

impl DataArgs {
    fn config(&self) -> DataConfig {
        let mut config = match &self.data {
            Some(dir) => DataConfig::in_dir(dir),
            None => DataConfig::default(),
        };
        config.manifest = self.manifest.clone();
        if let Some(gap) = self.water_gap_m {
            config.graph.water_gap_m = gap;
        }
        config.medicare_counts = self.medicare_counts.as_ref().map(|path| CountsFile {
            path: path.clone(),
            level: self.medicare_level,
            key_column: None,
            value_column: None,
        });
        config
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Unit counts and state totals, with their sources.
    Summary {
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
    /// List the units of a level with their attributes.
    Units {
        #[arg(long, value_enum, default_value = "tract")]
        level: Level,
        #[arg(long, value_enum, default_value = "csv")]
        format: UnitFormat,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Check a plan against the state's rules: exit 0 passes, 1 breaks a rule, 2 unreadable input,
    /// 3 passes only if staff approve the waivers still pending.
    Validate {
        #[command(flatten)]
        plan: PlanArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
        /// Also time N runs of reading and validating the plan (data loaded
        /// once) and print the median to standard error.
        #[arg(long, value_name = "N")]
        timing_runs: Option<usize>,
        /// With text output, also print each HEC's needs profile: every
        /// count and rate the data holds beside the state's, and the tracts
        /// that drive it (the JSON report always has it).
        #[arg(long)]
        profile: bool,
    },
    /// Ways to pass: for each rule an HEC fails, the smallest sets of whole
    /// neighbouring towns whose move makes it pass, each checked by the
    /// validator; ranked by people taken from other HECs, then towns.
    Suggest {
        #[command(flatten)]
        plan: PlanArgs,
        /// Only this HEC (by name).
        #[arg(long)]
        hec: Option<String>,
        /// The most towns one option moves (1 to 4).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=4))]
        max_towns: u8,
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
    /// Serve the API, vector tiles and the web map over HTTP.
    Serve(ServeArgs),
    /// Print an example plan (CSV) built from the data: the eight old
    /// counties or the nine planning regions as HECs.
    ExamplePlan {
        #[arg(value_enum)]
        kind: ExamplePlanKind,
    },
    /// Print the effective rules with their documentation.
    Rules {
        /// A rules file (TOML) overriding the defaults.
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "toml")]
        format: TomlOrJson,
    },
    /// Manage the negotiation's organizations and accounts (the first
    /// administrator, HEC editors, staff, analysts, API tokens).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Read an uploaded shapefile (zip) or GeoPackage from standard input
    /// and write it as GeoJSON: the server runs this in a separate, limited
    /// process so that no file can take the service down.
    #[command(hide = true)]
    ReadUpload {
        #[arg(long)]
        format: String,
        /// The upload's name, for messages.
        #[arg(long, default_value = "upload")]
        origin: String,
        #[arg(long)]
        max_unpacked_bytes: u64,
        #[arg(long)]
        max_features: usize,
        #[arg(long)]
        max_vertices: usize,
        /// CPU seconds the reader may use.
        #[arg(long, default_value_t = 20)]
        cpu_seconds: u64,
        /// Address space the reader may use, in bytes.
        #[arg(long, default_value_t = u64::MAX)]
        memory_bytes: u64,
    },
    /// Write a plan's dissolved HEC boundaries with their totals (or, as CSV, its assignment).
    Export {
        #[command(flatten)]
        plan: PlanArgs,
        #[arg(long, value_enum, default_value = "geojson")]
        format: ExportFormat,
        /// Output file.
        #[arg(long, short)]
        output: PathBuf,
    },
}

/// A plan file and how to read and judge it.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The plan: CSV or JSON assignment, GeoJSON, shapefile (.shp/.zip) or GeoPackage polygons.
    plan: PathBuf,
    /// A rules file (TOML) overriding the defaults.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The plan's format when its extension does not say.
    #[arg(long, value_enum)]
    plan_format: Option<PlanFormat>,
    /// Whether the plan covers the whole state (gaps and HEC count checked).
    #[arg(long, value_enum, default_value = "auto")]
    scope: PlanScope,
    /// For polygons: the property naming each HEC.
    #[arg(long)]
    name_field: Option<String>,
}

/// Where and how to serve.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "HECMAP_ADDR")]
    addr: std::net::IpAddr,
    #[arg(long, default_value_t = 8080, env = "HECMAP_PORT")]
    port: u16,
    /// A rules file (TOML) overriding the defaults.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 20 * 1024 * 1024, env = "HECMAP_BODY_LIMIT")]
    body_limit: usize,
    /// Longest a request may take, in seconds.
    #[arg(long, default_value_t = 30, env = "HECMAP_TIMEOUT")]
    timeout: u64,
    /// Origin allowed to call the API from a browser (repeat; `*` for any).
    #[arg(
        long = "cors-origin",
        env = "HECMAP_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Built web UI to serve at / (default: web/dist when it exists).
    #[arg(long, env = "HECMAP_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    json_logs: bool,
    #[command(flatten)]
    store: StoreArgs,
    /// Serve without the negotiation (no database; its routes answer 503).
    #[arg(long)]
    no_store: bool,
    /// Mark the session cookie Secure (when served over HTTPS).
    #[arg(long, env = "HECMAP_SECURE_COOKIES")]
    secure_cookies: bool,
    /// A load balancer or proxy whose X-Forwarded-For names the client
    /// (repeat, or separate with commas); from anyone else it is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "HECMAP_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Plans validated or exported at once; more wait briefly, then get 503
    /// (default: the number of cores).
    #[arg(long, env = "HECMAP_HEAVY_CONCURRENCY")]
    heavy_concurrency: Option<usize>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Caps on what one uploaded plan may hold and cost.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Features in an uploaded polygon layer.
    #[arg(long, default_value_t = InputLimits::default().max_features, env = "HECMAP_MAX_FEATURES")]
    max_features: usize,
    /// Vertices in an uploaded polygon layer, all features together.
    #[arg(long, default_value_t = InputLimits::default().max_vertices, env = "HECMAP_MAX_VERTICES")]
    max_vertices: usize,
    /// HECs in one plan.
    #[arg(long, default_value_t = InputLimits::default().max_hecs, env = "HECMAP_MAX_HECS")]
    max_hecs: usize,
    /// Bytes a zipped upload may unpack to.
    #[arg(long, default_value_t = InputLimits::default().max_unpacked_bytes, env = "HECMAP_MAX_UNPACKED_BYTES")]
    max_unpacked_bytes: u64,
    /// Seconds reading and checking one plan may take; the work stops then.
    #[arg(long, default_value_t = InputLimits::default().max_seconds, env = "HECMAP_MAX_SECONDS")]
    max_seconds: u64,
    /// Memory of the process that reads shapefiles and GeoPackages, in MB.
    #[arg(long, default_value_t = InputLimits::default().reader_memory_bytes / (1024 * 1024), env = "HECMAP_READER_MEMORY_MB")]
    reader_memory_mb: u64,
}

impl LimitArgs {
    fn limits(&self) -> InputLimits {
        InputLimits {
            max_unpacked_bytes: self.max_unpacked_bytes,
            max_features: self.max_features,
            max_vertices: self.max_vertices,
            max_hecs: self.max_hecs,
            max_seconds: self.max_seconds,
            reader_memory_bytes: self.reader_memory_mb.saturating_mul(1024 * 1024),
        }
    }
}

/// Where the negotiation (proposals, rulings, accounts) is stored.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite database (created if missing).
    #[arg(long, default_value = "hecmap-data", env = "HECMAP_DATA_DIR")]
    data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://user:password@host/db) for a shared
    /// deployment, used instead of the data directory.
    #[arg(long, env = "HECMAP_DATABASE_URL")]
    database_url: Option<String>,
}

impl StoreArgs {
    fn location(&self) -> hecmap_negotiation::StoreLocation {
        hecmap_negotiation::StoreLocation::from_options(
            &self.data_dir,
            self.database_url.as_deref(),
        )
    }
}

/// How a new account gets its password.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input (otherwise
    /// a random one is made and printed once).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create the first administrator (refused once one exists).
    CreateAdmin {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Create an organization (a prospective HEC) and print its id.
    CreateOrg {
        #[command(flatten)]
        store: StoreArgs,
        /// The HEC's name in plans.
        #[arg(long)]
        name: String,
    },
    /// Create an account: admin, staff, analyst, or editor (of --org).
    CreateUser {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        /// The organization of an editor: its id or exact name.
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Issue an API bearer token to an account (printed once).
    CreateToken {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Lifetime in days (default and most: 90).
        #[arg(long)]
        days: Option<i64>,
    },
    /// List organizations and accounts.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExamplePlanKind {
    /// The eight old counties, tract by tract.
    Counties,
    /// The nine planning regions, town by town.
    PlanningRegions,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TomlOrJson {
    Toml,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnitFormat {
    Csv,
    Geojson,
}

/// Exit codes: 0 success, 1 a rule is broken, 2 the input cannot be read.
pub const EXIT_INPUT: u8 = 2;

struct Spinner(ProgressBar);

impl Progress for Spinner {
    fn step(&self, message: &str) {
        self.0.set_message(message.to_string());
        self.0.tick();
    }
}

fn load(data: &DataArgs) -> Result<Dataset, String> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} loading: {msg} ({elapsed})")
            .expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let result = Dataset::load_with_progress(&data.config(), &Spinner(bar.clone()));
    bar.finish_and_clear();
    result.map_err(|e| e.to_string())
}

fn read_rules(path: Option<&std::path::Path>) -> Result<RulesConfig, String> {
    match path {
        Some(p) => RulesConfig::read(p).map_err(|e| e.to_string()),
        None => Ok(RulesConfig::default()),
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("hecmap: {message}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn execute(cli: Cli) -> Result<ExitCode, String> {
    if let Command::Rules { rules, format } = &cli.command {
        return output::rules(&read_rules(rules.as_deref())?, *format);
    }
    if let Command::ReadUpload {
        format,
        origin,
        max_unpacked_bytes,
        max_features,
        max_vertices,
        cpu_seconds,
        memory_bytes,
    } = &cli.command
    {
        use hecmap_core::source::upload::{ForeignFormat, ReaderConfinement, child_main};
        let format = ForeignFormat::parse(format)
            .ok_or_else(|| format!("read-upload: unknown format {format:?}: zip or gpkg"))?;
        let limits = InputLimits {
            max_unpacked_bytes: *max_unpacked_bytes,
            max_features: *max_features,
            max_vertices: *max_vertices,
            ..InputLimits::default()
        };
        let confinement = ReaderConfinement {
            cpu_seconds: *cpu_seconds,
            memory_bytes: *memory_bytes,
        };
        let code = child_main(format, origin, &limits, confinement);
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
    }
    if let Command::Admin(command) = cli.command {
        return admin(command);
    }
    let data = load(&cli.data)?;
    match cli.command {
        Command::Summary { format } => output::summary(&data, format),
        Command::Units {
            level,
            format,
            output,
        } => output::units(&data, level, format, output.as_deref()),
        Command::ExamplePlan { kind } => output::example_plan(&data, kind),
        Command::Serve(args) => serve(data, args),
        Command::Validate {
            plan,
            format,
            timing_runs,
            profile,
        } => {
            let rules = read_rules(plan.rules.as_deref())?;
            if let Some(runs) = timing_runs {
                output::time_validation(&data, &plan, &rules, runs)?;
            }
            let report = output::validate_plan(&data, &plan, rules)?.1;
            output::print_report(&report, format, profile)?;
            Ok(ExitCode::from(report.exit_code()))
        }
        Command::Suggest {
            plan,
            hec,
            max_towns,
            format,
        } => {
            let rules = read_rules(plan.rules.as_deref())?;
            output::suggest(
                &data,
                &plan,
                rules,
                hec.as_deref(),
                max_towns.into(),
                format,
            )
        }
        Command::Export {
            plan,
            format,
            output: out,
        } => {
            let rules = read_rules(plan.rules.as_deref())?;
            let (plan, report) = output::validate_plan(&data, &plan, rules)?;
            hecmap_core::export::export_plan(&data, &report, &plan, format, &out)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "hecmap: wrote {} ({} HECs)",
                out.display(),
                report.hecs.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { .. } | Command::Admin(_) | Command::ReadUpload { .. } => {
            unreachable!("handled before loading data")
        }
    }
}

fn serve(data: Dataset, args: ServeArgs) -> Result<ExitCode, String> {
    use hecmap_server::{AppState, ServerConfig};
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.json_logs {
        logs.json().init();
    } else {
        logs.init();
    }
    return_big_blocks_to_the_system();
    let rules = read_rules(args.rules.as_deref())?;
    let default_web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/dist");
    let config = ServerConfig {
        addr: std::net::SocketAddr::new(args.addr, args.port),
        body_limit_bytes: args.body_limit,
        timeout_secs: args.timeout,
        cors_origins: args.cors_origins,
        web_dir: args
            .web_dir
            .or_else(|| default_web.is_dir().then_some(default_web)),
        secure_cookies: args.secure_cookies,
        trusted_proxies: args.trusted_proxies,
        heavy_concurrency: args
            .heavy_concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1),
        limits: args.limits.limits(),
        reader: hecmap_core::source::ForeignReader::Child {
            exe: std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?,
        },
        ..ServerConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let store = if args.no_store {
        None
    } else {
        let store = runtime
            .block_on(hecmap_negotiation::Store::open(&args.store.location()))
            .map_err(|e| format!("negotiation storage: {e}"))?;
        tracing::info!(store = store.describe(), "negotiation storage ready");
        Some(store)
    };
    let state = AppState::with_store(std::sync::Arc::new(data), rules, config, store);
    let served = runtime.block_on(hecmap_server::serve(state));
    // Work still running on blocking threads (a plan being checked) is not
    // waited for: it stops with the process; reader processes die with it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    served.map_err(|e| format!("server: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Makes glibc serve every block of 1 MiB or more (an Argon2 hash takes
/// 19 MiB) straight from the kernel and give it back when freed. By
/// default glibc raises that threshold after the first such free, and the
/// freed hashes then stay in its per-thread pools: a flood of sign-ins left
/// the server hundreds of MB larger for good.
fn return_big_blocks_to_the_system() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn read_password(args: &PasswordArgs) -> Result<(String, bool), String> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password: {e}"))?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        let password = hecmap_negotiation::auth::random_password().map_err(|e| e.to_string())?;
        Ok((password, true))
    }
}

fn admin(command: AdminCommand) -> Result<ExitCode, String> {
    use hecmap_negotiation::{Actor, NewUser, Role, Store};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let actor = Actor::command_line();
    let open = |store: &StoreArgs| {
        runtime
            .block_on(Store::open(&store.location()))
            .map_err(|e| format!("negotiation storage: {e}"))
    };
    let err = |e: hecmap_negotiation::NegotiationError| e.to_string();
    let create_user = |store: &Store,
                       username: String,
                       role: Role,
                       organization_id: Option<i64>,
                       display_name: Option<String>,
                       password: &PasswordArgs|
     -> Result<(), String> {
        let (password, generated) = read_password(password)?;
        let user = runtime
            .block_on(store.create_user(
                &actor,
                NewUser {
                    username,
                    display_name,
                    role,
                    organization_id,
                    password: password.clone(),
                },
            ))
            .map_err(err)?;
        println!(
            "created {} account {:?} (id {})",
            user.role, user.username, user.id
        );
        if generated {
            println!("password: {password}");
        }
        Ok(())
    };
    match command {
        AdminCommand::CreateAdmin {
            store,
            username,
            display_name,
            password,
        } => {
            let store = open(&store)?;
            if runtime.block_on(store.admin_count()).map_err(err)? > 0 {
                return Err(
                    "an administrator exists already: use `hecmap admin create-user --role admin`"
                        .into(),
                );
            }
            create_user(&store, username, Role::Admin, None, display_name, &password)?;
        }
        AdminCommand::CreateOrg { store, name } => {
            let store = open(&store)?;
            let org = runtime
                .block_on(store.create_organization(&actor, &name))
                .map_err(err)?;
            println!("created organization {:?} (id {})", org.name, org.id);
        }
        AdminCommand::CreateUser {
            store,
            username,
            role,
            org,
            display_name,
            password,
        } => {
            let store = open(&store)?;
            let role = Role::parse(&role).map_err(err)?;
            let organization_id = match org {
                Some(key) => Some(
                    runtime
                        .block_on(store.find_organization(&key))
                        .map_err(err)?
                        .id,
                ),
                None => None,
            };
            create_user(
                &store,
                username,
                role,
                organization_id,
                display_name,
                &password,
            )?;
        }
        AdminCommand::CreateToken {
            store,
            username,
            label,
            days,
        } => {
            let store = open(&store)?;
            let user = runtime.block_on(store.find_user(&username)).map_err(err)?;
            let credential = runtime
                .block_on(store.create_token(
                    &actor,
                    user.id,
                    &label,
                    days.map(|d| d.saturating_mul(86_400)),
                ))
                .map_err(err)?;
            println!("{}", credential.token);
        }
        AdminCommand::List { store } => {
            let store = open(&store)?;
            for org in runtime.block_on(store.organizations(&actor)).map_err(err)? {
                println!("organization {:>4}  {}", org.id, org.name);
            }
            for user in runtime.block_on(store.users(&actor)).map_err(err)? {
                println!(
                    "account {:>4}  {:<24} {:<8} {}{}",
                    user.id,
                    user.username,
                    user.role,
                    user.organization_id
                        .map(|o| format!("organization {o}"))
                        .unwrap_or_default(),
                    if user.active { "" } else { " (disabled)" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
