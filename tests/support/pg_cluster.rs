//! A throwaway PostgreSQL cluster of the test's own: `initdb` under a temp
//! folder, its own port on 127.0.0.1, optionally TLS with a certificate from
//! a throwaway CA made here (openssl CLI); stopped and removed when dropped.
//! Every command is bounded in time. When the machine cannot run one (no
//! PostgreSQL binaries, no openssl), `start` says why and the test skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `pg_ctl` may take to start or stop the server.
const PG_CTL_WAIT_SECS: &str = "20";

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    as_postgres: bool,
    /// The certificate clients trust (`sslrootcert`), with TLS.
    pub root_cert: Option<PathBuf>,
}

impl Cluster {
    /// A running cluster; `Err` with the reason when it cannot be had here.
    pub fn start(tls: bool) -> Result<Self, String> {
        let bin = postgres_bin().ok_or("no PostgreSQL binaries under /usr/lib/postgresql")?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!("csc-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut cluster = Self {
            port: free_port(),
            dir,
            bin,
            as_postgres,
            root_cert: None,
        };
        if as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir))?;
        }
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &[
                "-D",
                path(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let mut conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\nmax_connections = 50\n",
            cluster.port,
            cluster.dir.display()
        );
        if tls {
            let root = cluster.make_certificate()?;
            conf.push_str(&format!(
                "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
                cluster.dir.join("server.crt").display(),
                cluster.dir.join("server.key").display()
            ));
            // TLS only over TCP: a plain connection is refused.
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n",
            )
            .map_err(|e| e.to_string())?;
            cluster.root_cert = Some(root);
        }
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .map_err(|e| e.to_string())?;
        std::io::Write::write_all(&mut file, conf.as_bytes()).map_err(|e| e.to_string())?;
        cluster.start_server()?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` plus `query`.
    pub fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres{query}",
            self.port
        )
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start_server(&self) -> Result<(), String> {
        let log = self.dir.join("server.log");
        self.pg(
            "pg_ctl",
            &[
                "-D",
                path(&self.data()),
                "-l",
                path(&log),
                "-w",
                "-t",
                PG_CTL_WAIT_SECS,
                "start",
            ],
        )
        .map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))
    }

    /// Stops the server at once (`immediate`: connections are cut, as when
    /// it crashes or its host restarts).
    pub fn stop_server(&self) -> Result<(), String> {
        self.pg(
            "pg_ctl",
            &[
                "-D",
                path(&self.data()),
                "-w",
                "-t",
                PG_CTL_WAIT_SECS,
                "-m",
                "immediate",
                "stop",
            ],
        )
    }

    /// A certificate for 127.0.0.1 and localhost, signed by a throwaway CA
    /// made here (rustls refuses a CA certificate as the server's own):
    /// returns the CA's certificate, for `sslrootcert`.
    fn make_certificate(&self) -> Result<PathBuf, String> {
        let file = |name: &str| self.dir.join(name);
        let openssl = |args: &[&str]| {
            let mut command = Command::new("openssl");
            command.current_dir(&self.dir).args(args);
            run(&mut command).map_err(|e| format!("openssl: {e}"))
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=csc test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ])?;
        openssl(&[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ])?;
        std::fs::write(
            file("server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ])?;
        if self.as_postgres {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(file("server.crt"))
                .arg(file("server.key")))?;
        }
        run(Command::new("chmod").arg("600").arg(file("server.key")))?;
        Ok(file("ca.crt"))
    }

    /// Runs a PostgreSQL program, as the postgres user when we are root
    /// (initdb and the server refuse root).
    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        run(command.args(args))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_server();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// Runs `command` to completion (at most 60 s); its output on failure.
fn run(command: &mut Command) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(_status) = child.try_wait().map_err(|e| e.to_string())? {
            let output = child.wait_with_output().map_err(|e| e.to_string())?;
            return if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{command:?}: {}\n{}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ))
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?}: no end after 60 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin`.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
