//! The sign-in throttle, kept in the database (`login_throttle`) so that
//! every server over one database shares it and a restart keeps it.
//!
//! # Policy
//!
//! Every password check (a sign-in, or the current password when changing
//! it) is an *attempt*, counted under three keys:
//!
//! * **the account from this address** (`pair:`): after
//!   [`AuthSettings::pair_free_failures`] failures (5) the address may not
//!   try this account again for [`AuthSettings::first_lockout_secs`] (30 s),
//!   doubling with each further failure up to
//!   [`AuthSettings::pair_max_lockout_secs`] (15 min). A success clears it.
//! * **this address, whatever the account** (`address:`, an IPv6 client by
//!   its /64): after [`AuthSettings::address_free_failures`] failures (20)
//!   the address is refused for 30 s, doubling up to
//!   [`AuthSettings::address_max_lockout_secs`] (1 h). Only its own failures
//!   count, so one address cannot lock out another.
//! * **the account, from anywhere** (`account:`): failures from many
//!   addresses only *slow* the account, never lock it: past
//!   [`AuthSettings::account_free_failures`] (10) one password is checked at
//!   most every 1 s, doubling up to [`AuthSettings::account_max_delay_secs`]
//!   (10 s). Addresses the account signed in from within
//!   [`AuthSettings::known_address_days`] (30 days) are not slowed at all,
//!   so guesses from elsewhere cannot keep the real user out.
//!
//! A refused attempt checks no password, is not counted and answers
//! [`NegotiationError::TooManyAttempts`] with the seconds to wait.
//!
//! Check and record are one step: inside one write transaction (rows
//! locked with `FOR UPDATE` on PostgreSQL; SQLite's write lock is the
//! database's) the keys are read, the attempt refused if any is locked, and
//! otherwise counted as a failure *before* the password is checked. A
//! success then takes its failure back. So 40 simultaneous guesses at one
//! account from one address check at most 5 passwords, on one server or
//! several.
//!
//! Bounded: usernames longer than 64 bytes are refused before any of this;
//! a key quiet for [`AuthSettings::forget_after_secs`] (a day) and not
//! locked is forgotten, and pruned; past [`AuthSettings::max_throttle_rows`]
//! rows the oldest unlocked ones go first.
//!
//! This module is the policy; its table is kept by `store/throttle.rs`.

use std::net::IpAddr;

use crate::auth::AuthSettings;

/// What a key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Address,
    Account,
    Pair,
}

/// The keys one attempt is counted under.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    address: String,
    account: String,
    pair: String,
    /// Remembers the address as one the account signed in from.
    pub(crate) known: String,
}

/// An address as the throttle counts it: IPv4 (also when mapped into
/// IPv6) whole, IPv6 by its /64 (one subscriber's usual allocation).
pub(crate) fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl Keys {
    /// `username` already trimmed, lower-cased and at most 64 bytes.
    pub(crate) fn new(username: &str, client: IpAddr) -> Self {
        let address = address_key(client);
        Self {
            pair: format!("pair:{username}|{address}"),
            known: format!("known:{username}|{address}"),
            account: format!("account:{username}"),
            address: format!("address:{address}"),
        }
    }

    /// In a fixed order (address, account, pair), so that concurrent
    /// transactions lock rows in the same order and cannot deadlock.
    pub(crate) fn counted(&self) -> [(&str, Kind); 3] {
        [
            (&self.address, Kind::Address),
            (&self.account, Kind::Account),
            (&self.pair, Kind::Pair),
        ]
    }
}

impl AuthSettings {
    pub(crate) fn free_failures(&self, kind: Kind) -> i64 {
        i64::from(match kind {
            Kind::Address => self.address_free_failures,
            Kind::Account => self.account_free_failures,
            Kind::Pair => self.pair_free_failures,
        })
    }

    /// How long a key stays locked after its `failures`-th failure (0: not).
    pub(crate) fn lock_secs(&self, kind: Kind, failures: i64) -> i64 {
        let over = failures - self.free_failures(kind);
        if over < 0 {
            return 0;
        }
        let (first, max) = match kind {
            Kind::Address => (self.first_lockout_secs, self.address_max_lockout_secs),
            Kind::Pair => (self.first_lockout_secs, self.pair_max_lockout_secs),
            Kind::Account => (1, self.account_max_delay_secs),
        };
        let doubled = first.saturating_mul(1u64 << over.min(32) as u32);
        doubled.min(max).min(i64::MAX as u64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_and_are_capped() {
        let s = AuthSettings::default();
        assert_eq!(s.lock_secs(Kind::Pair, 4), 0);
        assert_eq!(s.lock_secs(Kind::Pair, 5), 30);
        assert_eq!(s.lock_secs(Kind::Pair, 6), 60);
        assert_eq!(s.lock_secs(Kind::Pair, 500), 900);
        assert_eq!(s.lock_secs(Kind::Address, 19), 0);
        assert_eq!(s.lock_secs(Kind::Address, 20), 30);
        assert_eq!(s.lock_secs(Kind::Address, 10_000), 3600);
        // The account is only slowed, by at most a few seconds.
        assert_eq!(s.lock_secs(Kind::Account, 9), 0);
        assert_eq!(s.lock_secs(Kind::Account, 10), 1);
        assert_eq!(s.lock_secs(Kind::Account, 1_000_000), 10);
    }

    #[test]
    fn addresses_are_keyed_whole_or_by_their_64() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(address_key(v4), "203.0.113.7");
        assert_eq!(address_key(mapped), "203.0.113.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a), "2001:db8:1:2::/64");
        let k = Keys::new("ada", v4);
        assert_eq!(k.pair, "pair:ada|203.0.113.7");
        assert_eq!(k.address, "address:203.0.113.7");
    }
}
