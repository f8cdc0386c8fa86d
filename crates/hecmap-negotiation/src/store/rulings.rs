//! Rulings, the versions of the state's draft plan and the statewide
//! picture in the database: the inputs read from one snapshot, a ruling
//! prepared outside the write transaction and written under it, and the
//! differences between stored versions.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::accounts::organization_from;
use super::audit::audit;
use super::{Store, next_id};
use crate::access::{Actor, Role};
use crate::accounts::Organization;
use crate::compose::{self, Diff, HecDiff, StateInputs, StateView};
use crate::error::{NegotiationError, Result};
use crate::rulings::{NewRuling, Ruling, RulingKind, WaiverDecision, check_new_ruling, visible_to};
use crate::state_plan::{Prepared, StateVersion, diff_stored, prepare_ruling};
use crate::util::{blocking, now};
use hecmap_core::dataset::Dataset;

/// How many times a ruling composes again when proposals are submitted
/// while it is being composed.
const RULE_ATTEMPTS: usize = 4;

/// The latest submitted version of every proposal: (organization, version).
async fn submitted_versions(tx: &mut Transaction<'static, Any>) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT organization_id, MAX(version) AS version FROM proposal_versions
         WHERE status = 'submitted' GROUP BY organization_id ORDER BY organization_id",
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("organization_id")?, r.try_get("version")?)))
        .collect()
}

fn ruling_from(row: &AnyRow, concerns: Vec<i64>) -> Result<Ruling> {
    Ok(Ruling {
        id: row.try_get("id")?,
        kind: RulingKind::parse(&row.try_get::<String, _>("kind")?)?,
        organization_id: row.try_get("organization_id")?,
        organization: row.try_get("organization")?,
        units: serde_json::from_str(&row.try_get::<String, _>("units")?)?,
        decision: WaiverDecision::parse(row.try_get::<Option<String>, _>("decision")?.as_deref())?,
        reason: row.try_get("reason")?,
        concerns,
        state_version: row.try_get("state_version")?,
        author: row.try_get("author")?,
        created_at: row.try_get("created_at")?,
    })
}

async fn all_rulings(conn: &mut sqlx::AnyConnection) -> Result<Vec<Ruling>> {
    let concern_rows = sqlx::query(
        "SELECT ruling_id, organization_id FROM ruling_organizations ORDER BY ruling_id, organization_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut concerns: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in &concern_rows {
        concerns
            .entry(r.try_get("ruling_id")?)
            .or_default()
            .push(r.try_get("organization_id")?);
    }
    let rows = sqlx::query(
        "SELECT r.id, r.kind, r.organization_id, o.name AS organization, r.units, r.decision, r.reason,
                r.state_version, u.username AS author, r.created_at
         FROM rulings r JOIN organizations o ON o.id = r.organization_id JOIN users u ON u.id = r.author_id
         ORDER BY r.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            ruling_from(r, concerns.remove(&id).unwrap_or_default())
        })
        .collect()
}

async fn organizations_in<'e, E>(executor: E) -> Result<Vec<Organization>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query("SELECT id, name, created_at FROM organizations ORDER BY id")
        .fetch_all(executor)
        .await?;
    rows.iter().map(organization_from).collect()
}

async fn state_head(tx: &mut Transaction<'static, Any>) -> Result<i64> {
    Ok(
        sqlx::query("SELECT value FROM counters WHERE name = 'state'")
            .fetch_one(&mut **tx)
            .await?
            .try_get("value")?,
    )
}

impl Store {
    /// What the statewide picture is composed from (any signed-in account;
    /// filter the rulings shown with [`visible_to`]).
    pub async fn state_inputs(&self, _actor: &Actor) -> Result<StateInputs> {
        self.snapshot_inputs().await
    }

    /// The inputs, from one consistent snapshot.
    pub(super) async fn snapshot_inputs(&self) -> Result<StateInputs> {
        let mut tx = self.snapshot().await?;
        // The state version first: a ruling committed after this read
        // makes a ruling based on it conflict.
        let state_version = state_head(&mut tx).await?;
        let inputs = StateInputs {
            organizations: organizations_in(&mut *tx).await?,
            submitted: Store::latest_submitted(&mut *tx).await?,
            rulings: all_rulings(&mut tx).await?,
            state_version,
        };
        tx.commit().await?;
        Ok(inputs)
    }

    /// The statewide picture for an actor, validated with `rules`
    /// (composed on a blocking thread).
    pub async fn state_view(
        &self,
        actor: &Actor,
        data: &Arc<Dataset>,
        rules: &hecmap_core::rules::RulesConfig,
    ) -> Result<StateView> {
        let inputs = self.state_inputs(actor).await?;
        let (data, rules, actor) = (data.clone(), rules.clone(), actor.clone());
        blocking(move || compose::state_view(&data, &rules, &inputs, |r| visible_to(&actor, r)))
            .await
    }

    fn stale_state(base: i64, current: i64) -> NegotiationError {
        NegotiationError::Conflict {
            message: format!(
                "the state plan changed since version {base}: it is at version {current}; reload the statewide view and rule again"
            ),
            current,
        }
    }

    /// Makes a ruling (state staff only) and writes the state plan version
    /// it produces. The plan is composed before the write transaction.
    pub async fn rule(&self, actor: &Actor, data: &Arc<Dataset>, new: NewRuling) -> Result<Ruling> {
        actor.require(actor.is(Role::Staff), "make rulings (only state staff do)")?;
        let author_id = actor.author_id()?;
        let reason = check_new_ruling(&new)?;
        let new = Arc::new(new);
        for _ in 0..RULE_ATTEMPTS {
            let inputs = self.snapshot_inputs().await?;
            if inputs.state_version != new.base_state_version {
                return Err(Self::stale_state(
                    new.base_state_version,
                    inputs.state_version,
                ));
            }
            let prepared = {
                let (data, new, reason, author) = (
                    data.clone(),
                    new.clone(),
                    reason.clone(),
                    actor.username.clone(),
                );
                blocking(move || prepare_ruling(&data, inputs, &new, reason, author)).await?
            };
            let mut tx = self.write().await?;
            let bumped = sqlx::query(
                "UPDATE counters SET value = value + 1 WHERE name = 'state' AND value = $1",
            )
            .bind(new.base_state_version)
            .execute(&mut *tx)
            .await?;
            if bumped.rows_affected() != 1 {
                let current = state_head(&mut tx).await?;
                tx.rollback().await?;
                return Err(Self::stale_state(new.base_state_version, current));
            }
            if submitted_versions(&mut tx).await? != prepared.submitted {
                // A proposal was submitted meanwhile: compose again.
                tx.rollback().await?;
                continue;
            }
            let ruling = self
                .write_ruling(&mut tx, actor, author_id, prepared)
                .await?;
            tx.commit().await?;
            return Ok(ruling);
        }
        Err(NegotiationError::Conflict {
            message: "proposals kept being submitted while the ruling was composed; reload the statewide view and rule again".into(),
            current: new.base_state_version,
        })
    }

    /// Writes a prepared ruling, its state plan version and its audit entry.
    async fn write_ruling(
        &self,
        tx: &mut Transaction<'static, Any>,
        actor: &Actor,
        author_id: i64,
        prepared: Prepared,
    ) -> Result<Ruling> {
        let Prepared {
            mut ruling,
            plan,
            submitted,
            mut earlier,
        } = prepared;
        let id = next_id(tx, "rulings").await?;
        let at = now();
        ruling.id = id;
        ruling.created_at = at.clone();
        let state_version = ruling.state_version;
        sqlx::query(
            "INSERT INTO rulings (id, kind, organization_id, units, decision, reason, state_version, author_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(ruling.kind.as_str())
        .bind(ruling.organization_id)
        .bind(serde_json::to_string(&ruling.units)?)
        .bind(ruling.decision.map(WaiverDecision::as_str))
        .bind(&ruling.reason)
        .bind(state_version)
        .bind(author_id)
        .bind(&at)
        .execute(&mut **tx)
        .await?;
        for org in &ruling.concerns {
            sqlx::query(
                "INSERT INTO ruling_organizations (ruling_id, organization_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(org)
            .execute(&mut **tx)
            .await?;
        }
        earlier.push(id);
        let sources = json!({
            "proposals": submitted.iter().map(|(org, v)| (org.to_string(), *v)).collect::<BTreeMap<_, _>>(),
            "rulings": earlier,
        });
        sqlx::query(
            "INSERT INTO state_versions (version, plan, inputs, ruling_id, author_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(state_version)
        .bind(plan.to_string())
        .bind(sources.to_string())
        .bind(id)
        .bind(author_id)
        .bind(&at)
        .execute(&mut **tx)
        .await?;
        audit(
            tx,
            actor,
            match ruling.kind {
                RulingKind::Assign => "ruling.assign",
                RulingKind::Waiver => "ruling.waiver",
            },
            &format!("organization:{}", ruling.organization_id),
            Some(&ruling.reason),
            json!({
                "ruling": id, "state_version": state_version, "tracts": ruling.units.len(),
                "decision": ruling.decision, "concerns": ruling.concerns,
            }),
        )
        .await?;
        Ok(ruling)
    }

    /// The rulings an actor may see, oldest first.
    pub async fn rulings(&self, actor: &Actor) -> Result<Vec<Ruling>> {
        let mut conn = self.pool.acquire().await?;
        Ok(all_rulings(&mut conn)
            .await?
            .into_iter()
            .filter(|r| visible_to(actor, r))
            .collect())
    }

    /// The versions of the state's draft plan, newest first (without plans).
    pub async fn state_versions(&self, _actor: &Actor) -> Result<Vec<StateVersion>> {
        let rows = sqlx::query(
            "SELECT s.version, s.ruling_id, s.inputs, s.created_at, u.username AS author
             FROM state_versions s JOIN users u ON u.id = s.author_id ORDER BY s.version DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| state_version_from(r, None)).collect()
    }

    /// One version of the state's draft plan, with its plan.
    pub async fn state_version(&self, _actor: &Actor, version: i64) -> Result<StateVersion> {
        let row = sqlx::query(
            "SELECT s.version, s.ruling_id, s.inputs, s.created_at, s.plan, u.username AS author
             FROM state_versions s JOIN users u ON u.id = s.author_id WHERE s.version = $1",
        )
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| NegotiationError::not_found(format!("no state plan version {version}")))?;
        let plan = serde_json::from_str(&row.try_get::<String, _>("plan")?)?;
        state_version_from(&row, Some(plan))
    }

    /// The difference between two versions of a proposal (parsed and
    /// compared on a blocking thread).
    pub async fn proposal_diff(
        &self,
        actor: &Actor,
        data: &Arc<Dataset>,
        organization_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Diff> {
        let org = self.organization(organization_id).await?;
        let mut texts = Vec::new();
        let mut rationales = Vec::new();
        for v in [from, to] {
            if v == 0 {
                texts.push(None);
                rationales.push(None);
                continue;
            }
            let version = self.version(actor, organization_id, v).await?;
            let text = serde_json::to_string(&version.plan.unwrap_or(Value::Null))?;
            texts.push(Some((text, format!("{} v{v}", org.name))));
            rationales.push(Some(version.rationale));
        }
        let hecs = diff_texts(data, texts).await?;
        Ok(Diff {
            subject: format!("proposal:{organization_id}"),
            from,
            to,
            hecs,
            rationale_before: rationales[0].take(),
            rationale_after: rationales[1].take(),
        })
    }

    /// The difference between two versions of the state's draft plan
    /// (version 0: the empty plan before the first ruling), parsed and
    /// compared on a blocking thread.
    pub async fn state_diff(
        &self,
        actor: &Actor,
        data: &Arc<Dataset>,
        from: i64,
        to: i64,
    ) -> Result<Diff> {
        let mut texts = Vec::new();
        for v in [from, to] {
            if v == 0 {
                texts.push(None);
                continue;
            }
            let version = self.state_version(actor, v).await?;
            let text = serde_json::to_string(&version.plan.unwrap_or(Value::Null))?;
            texts.push(Some((text, format!("state plan v{v}"))));
        }
        let hecs = diff_texts(data, texts).await?;
        Ok(Diff {
            subject: "state".into(),
            from,
            to,
            hecs,
            rationale_before: None,
            rationale_after: None,
        })
    }
}

fn state_version_from(row: &AnyRow, plan: Option<Value>) -> Result<StateVersion> {
    Ok(StateVersion {
        version: row.try_get("version")?,
        ruling_id: row.try_get("ruling_id")?,
        author: row.try_get("author")?,
        created_at: row.try_get("created_at")?,
        inputs: serde_json::from_str(&row.try_get::<String, _>("inputs")?)?,
        plan,
    })
}

/// The difference between two plans stored as assignment JSON (None: the
/// empty plan), parsed and compared on a blocking thread.
async fn diff_texts(
    data: &Arc<Dataset>,
    texts: Vec<Option<(String, String)>>,
) -> Result<Vec<HecDiff>> {
    let data = data.clone();
    blocking(move || diff_stored(&data, texts[0].as_ref(), texts[1].as_ref())).await
}
