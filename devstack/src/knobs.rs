//! Test knob data: clock offset, lifetime overrides and injected failures (`Knobs`, `Fault`, `Lifetimes`),
//! with the `endpoint:status[:count[:latencyMs]]` parser of `--fault`. Uses no other devstack module.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifetimes {
    pub access_token_seconds: Option<u64>,
    pub id_token_seconds: Option<u64>,
    pub refresh_token_seconds: Option<u64>,
    pub code_seconds: Option<u64>,
    pub session_seconds: Option<u64>,
    pub credentials_seconds: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// `token`, `authorize`, `login`, `revoke`, `logout`, `userInfo`, `jwks`, `openid-configuration`,
    /// a JSON API operation (`InitiateAuth`, `GetId`, ...), `s3` or an S3 operation (`PutObject`, ...),
    /// or `*` for every endpoint.
    pub endpoint: String,
    /// HTTP status to answer with; 0 (or absent) only adds latency.
    #[serde(default)]
    pub status: u16,
    /// How many of the next matching requests are affected.
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub latency_ms: u64,
}

fn one() -> u32 {
    1
}

impl std::str::FromStr for Fault {
    type Err = String;
    /// `endpoint:status[:count[:latencyMs]]`, e.g. `token:500:2` or `GetId:429` or `s3:0:1:1500`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() < 2 || parts.len() > 4 {
            return Err(format!(
                "fault {s:?}: expected endpoint:status[:count[:latencyMs]]"
            ));
        }
        let num = |i: usize, d: u64| -> Result<u64, String> {
            parts.get(i).map_or(Ok(d), |p| {
                p.parse()
                    .map_err(|_| format!("fault {s:?}: {p:?} is not a number"))
            })
        };
        Ok(Fault {
            endpoint: parts[0].to_string(),
            status: num(1, 0)? as u16,
            count: num(2, 1)? as u32,
            latency_ms: num(3, 0)?,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Knobs {
    pub clock_offset: i64,
    pub lifetimes: Lifetimes,
    pub faults: Vec<Fault>,
}

impl Knobs {
    /// Takes the first fault that matches one of `names`, decrementing its count.
    pub fn take_fault(&mut self, names: &[&str]) -> Option<Fault> {
        let idx = self.faults.iter().position(|f| {
            f.count > 0 && (f.endpoint == "*" || names.contains(&f.endpoint.as_str()))
        })?;
        let f = &mut self.faults[idx];
        f.count -= 1;
        let out = f.clone();
        if f.count == 0 {
            self.faults.remove(idx);
        }
        Some(out)
    }
}
