//! The express-report policy (`express-policy.json`): grade thresholds, reporting clocks and who
//! must receive a report, as data. A locality whose emergency plan differs edits the file, not
//! the code. The figures and their sources are in `../shared/domain/regulation.md` 4.4.

use crate::text::Text;
use serde::{Deserialize, Serialize};

/// The four grades, I the gravest (特别重大) to IV (一般). Ordered by gravity: `I > II`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grade {
    I,
    II,
    III,
    IV,
}

impl Grade {
    /// 4 for I down to 1 for IV: the larger, the graver.
    pub fn gravity(self) -> u8 {
        match self {
            Grade::I => 4,
            Grade::II => 3,
            Grade::III => 2,
            Grade::IV => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::I => "I",
            Grade::II => "II",
            Grade::III => "III",
            Grade::IV => "IV",
        }
    }

    /// The graver of two grades.
    pub fn max(self, other: Grade) -> Grade {
        if other.gravity() > self.gravity() {
            other
        } else {
            self
        }
    }
}

impl PartialOrd for Grade {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Grade {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.gravity().cmp(&other.gravity())
    }
}

/// One grade's thresholds: the grade applies when any figure given is reached (以上: the number
/// itself included). The grade with no figures is the floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeRule {
    pub grade: Grade,
    pub name: Text,
    /// Warning colour of the grade (red, orange, yellow, blue).
    pub colour: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaths: Option<u32>,
    /// Serious injuries, acute industrial poisoning included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serious_injuries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_loss_yuan: Option<u64>,
    pub source: String,
    pub source_confirmed: bool,
}

/// The clocks of a report, counted from when the bureau learned of the event (and, for the
/// summary, from when its handling ended).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clocks {
    pub first_report_minutes: u32,
    pub to_province_minutes: u32,
    /// The grades whose report must reach the provincial bureau (on its own clock).
    pub to_province_grades: Vec<Grade>,
    /// Calendar days after the handling ended, in the offset of that time, the day itself included.
    pub summary_days: u32,
    pub source: String,
    pub source_confirmed: bool,
}

/// The highest administrative level a report must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    County,
    City,
    Province,
    National,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipients {
    /// Informed at every level the report is made at (outside paicha).
    pub always: Text,
    /// Per grade, the highest level of market regulator the report goes up to, level by level.
    pub up_to: std::collections::BTreeMap<String, Level>,
    pub source: String,
    pub source_confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpressPolicy {
    pub version: String,
    #[serde(default)]
    pub note: String,
    pub grades: Vec<GradeRule>,
    #[serde(default)]
    pub threshold_rule: String,
    pub clocks: Clocks,
    pub recipients: Recipients,
}

/// The policy shipped with paicha.
pub const DEFAULT_POLICY: &str = include_str!("../../express-policy.json");

impl ExpressPolicy {
    /// Read a policy; it must have exactly one floor grade (no figures) and every grade at most once.
    pub fn from_json(text: &str) -> Result<ExpressPolicy, String> {
        let p: ExpressPolicy = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let floors = p
            .grades
            .iter()
            .filter(|g| {
                g.deaths.is_none() && g.serious_injuries.is_none() && g.direct_loss_yuan.is_none()
            })
            .count();
        if floors != 1 {
            return Err("exactly one grade must have no thresholds (the floor)".into());
        }
        let mut seen: Vec<Grade> = p.grades.iter().map(|g| g.grade).collect();
        seen.sort();
        seen.dedup();
        if seen.len() != p.grades.len() {
            return Err("a grade appears twice".into());
        }
        Ok(p)
    }

    /// The shipped policy (its JSON is checked by a test, so this cannot fail in a release).
    pub fn shipped() -> ExpressPolicy {
        ExpressPolicy::from_json(DEFAULT_POLICY).unwrap_or_else(|_| ExpressPolicy {
            version: String::new(),
            note: String::new(),
            grades: Vec::new(),
            threshold_rule: String::new(),
            clocks: Clocks {
                first_report_minutes: 60,
                to_province_minutes: 120,
                to_province_grades: Vec::new(),
                summary_days: 10,
                source: String::new(),
                source_confirmed: false,
            },
            recipients: Recipients {
                always: Text::default(),
                up_to: Default::default(),
                source: String::new(),
                source_confirmed: false,
            },
        })
    }

    /// The grade the figures call for: the gravest grade any of whose thresholds is reached
    /// ("以上" includes the number), or the floor.
    pub fn grade(&self, f: &Figures) -> Grade {
        let mut best: Option<Grade> = None;
        for g in &self.grades {
            let reached = g.deaths.is_some_and(|n| f.deaths >= n)
                || g.serious_injuries.is_some_and(|n| f.serious_injuries >= n)
                || g.direct_loss_yuan.is_some_and(|n| f.direct_loss_yuan >= n);
            let floor =
                g.deaths.is_none() && g.serious_injuries.is_none() && g.direct_loss_yuan.is_none();
            if reached || floor {
                best = Some(best.map_or(g.grade, |b| b.max(g.grade)));
            }
        }
        best.unwrap_or(Grade::IV)
    }

    pub fn rule(&self, g: Grade) -> Option<&GradeRule> {
        self.grades.iter().find(|r| r.grade == g)
    }

    /// The highest level a report of this grade goes up to (at least the city).
    pub fn up_to(&self, g: Grade) -> Level {
        self.recipients
            .up_to
            .get(g.as_str())
            .copied()
            .unwrap_or(Level::City)
    }
}

/// Casualties and loss, as reported (the latest report's figures stand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub deaths: u32,
    /// Serious injuries, acute poisoning included.
    pub serious_injuries: u32,
    /// Direct economic loss, in yuan.
    pub direct_loss_yuan: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(deaths: u32, serious_injuries: u32, direct_loss_yuan: u64) -> Figures {
        Figures {
            deaths,
            serious_injuries,
            direct_loss_yuan,
        }
    }

    #[test]
    fn the_shipped_policy_reads() {
        assert!(ExpressPolicy::from_json(DEFAULT_POLICY).is_ok());
        let p = ExpressPolicy::shipped();
        assert_eq!(p.grades.len(), 4);
        assert_eq!(p.clocks.first_report_minutes, 60);
        assert_eq!(p.up_to(Grade::III), Level::Province);
    }

    #[test]
    fn thresholds_at_their_edges() {
        let p = ExpressPolicy::shipped();
        // Deaths: 3 以上 is 较大 (III), 10 以上 重大 (II), 30 以上 特别重大 (I); "3 以下" (<3) is IV.
        for (d, g) in [
            (0, Grade::IV),
            (2, Grade::IV),
            (3, Grade::III),
            (9, Grade::III),
            (10, Grade::II),
            (29, Grade::II),
            (30, Grade::I),
        ] {
            assert_eq!(p.grade(&f(d, 0, 0)), g, "{d} deaths");
        }
        for (s, g) in [
            (9, Grade::IV),
            (10, Grade::III),
            (49, Grade::III),
            (50, Grade::II),
            (99, Grade::II),
            (100, Grade::I),
        ] {
            assert_eq!(p.grade(&f(0, s, 0)), g, "{s} serious injuries");
        }
        for (l, g) in [
            (9_999_999, Grade::IV),
            (10_000_000, Grade::III),
            (49_999_999, Grade::III),
            (50_000_000, Grade::II),
            (99_999_999, Grade::II),
            (100_000_000, Grade::I),
        ] {
            assert_eq!(p.grade(&f(0, 0, l)), g, "{l} yuan");
        }
        // Any figure decides: the gravest one reached.
        assert_eq!(p.grade(&f(2, 50, 0)), Grade::II);
        assert_eq!(p.grade(&f(3, 0, 100_000_000)), Grade::I);
    }

    #[test]
    fn bad_policies_are_refused() {
        let mut p: serde_json::Value = serde_json::from_str(DEFAULT_POLICY).unwrap_or_default();
        if let Some(g) = p.pointer_mut("/grades/3") {
            *g = serde_json::json!({"grade": "IV", "name": {"zh": "一般", "en": "x"}, "colour": "blue",
                "deaths": 1, "source": "", "source_confirmed": false});
        }
        assert!(ExpressPolicy::from_json(&p.to_string()).is_err());
        assert!(ExpressPolicy::from_json("{").is_err());
        assert!(Grade::I > Grade::II && Grade::III > Grade::IV);
        assert_eq!(Grade::IV.max(Grade::II), Grade::II);
    }
}
