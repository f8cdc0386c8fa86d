//! The table each group prints (`-- --nocapture`): one row per attack
//! with its figures and verdict; the group fails with every problem found.

use std::time::Duration;

use super::server::Server;

pub const MIB: u64 = 1024 * 1024;

pub struct Row {
    pub attack: String,
    pub status: String,
    pub ms: String,
    pub bytes: String,
    pub hwm_mb: String,
    pub child_mb: String,
    pub cpu_after: String,
    pub health_ms: String,
    pub verdict: String,
    /// The start of the error message (or a summary).
    pub message: String,
}

pub struct Suite {
    pub group: &'static str,
    pub rows: Vec<Row>,
    pub failures: Vec<String>,
    pub notes: Vec<String>,
}

impl Suite {
    pub fn new(group: &'static str) -> Self {
        Self {
            group,
            rows: Vec::new(),
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Notes the flags this binary lacks (see `serve_has_the_cap_flags`).
    pub fn flags_of(&mut self, server: &Server) {
        if !server.missing_flags.is_empty() {
            self.notes.push(format!(
                "this hecmap serve lacks {} (left off; defaults apply)",
                server.missing_flags.join(", ")
            ));
        }
    }

    pub fn record(&mut self, row: Row, problems: Vec<String>) {
        for p in &problems {
            self.failures.push(format!("{}: {p}", row.attack));
        }
        let verdict = if problems.is_empty() {
            "pass".to_string()
        } else {
            format!("FAIL ({})", problems.len())
        };
        self.rows.push(Row { verdict, ..row });
    }

    /// Prints the table, then fails with every problem found.
    pub fn finish(self) {
        let header = [
            "attack",
            "status",
            "answer ms",
            "body B",
            "server peak MB",
            "child peak MB",
            "CPU after %",
            "health ms",
            "verdict",
            "message",
        ];
        let cells: Vec<[String; 10]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.attack.clone(),
                    r.status.clone(),
                    r.ms.clone(),
                    r.bytes.clone(),
                    r.hwm_mb.clone(),
                    r.child_mb.clone(),
                    r.cpu_after.clone(),
                    r.health_ms.clone(),
                    r.verdict.clone(),
                    r.message.replace('|', "/"),
                ]
            })
            .collect();
        let mut out = format!("\n### hostile: {}\n\n", self.group);
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
        for c in &cells {
            out.push_str(&format!("| {} |\n", c.join(" | ")));
        }
        for n in &self.notes {
            out.push_str(&format!("\nnote: {n}"));
        }
        if !self.failures.is_empty() {
            out.push_str("\n\nproblems:\n");
            for f in &self.failures {
                out.push_str(&format!("- {f}\n"));
            }
        }
        println!("{out}");
        assert!(
            self.failures.is_empty(),
            "{}: {} problem(s):\n{}",
            self.group,
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

pub fn mb(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / MIB as f64)
}

pub fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}
