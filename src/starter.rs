//! `demand rules init`: a commented starter rule file that extends the built-in set, with
//! one example rule of each kind of condition, so that a council starts from working rules
//! rather than a blank page.

use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The starter file (it passes `demand rules test`; a unit test checks).
pub const STARTER: &str = include_str!("starter.toml");

/// The name the starter file is written under.
pub const FILE_NAME: &str = "rules.toml";

/// Writes the starter file into `dir` (created if missing) and returns its path. An
/// existing file is never overwritten: that is a usage error.
pub fn write(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(FILE_NAME);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
                "{}: already exists; not overwritten (move it away or choose another directory)",
                path.display()
            )),
            _ => Error::io(&path, e),
        })?;
    file.write_all(STARTER.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Matcher;
    use crate::rules::{RuleSet, RuleSource};

    #[test]
    fn the_starter_extends_the_default_and_passes_its_examples() {
        let set = RuleSet::load(&[RuleSource {
            name: FILE_NAME.into(),
            text: STARTER.into(),
        }])
        .unwrap();
        let default = RuleSet::default_rules().unwrap();
        assert_eq!(set.name, "local");
        assert_eq!(set.rules.len(), default.rules.len() + 5);
        let local: Vec<&crate::rules::Rule> = set
            .rules
            .iter()
            .filter(|r| r.location.file == FILE_NAME)
            .collect();
        assert!(local.iter().any(|r| !r.phrases.is_empty()));
        assert!(local.iter().any(|r| !r.all.is_empty()));
        assert!(local.iter().any(|r| !r.regex.is_empty()));
        assert!(local.iter().any(|r| !r.unless.is_empty()));
        assert!(local.iter().any(|r| !r.fields.is_empty()));
        let report = crate::examples::test_examples(&Matcher::new(set));
        let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn write_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir.path().join("new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
        std::fs::write(&path, "mine").unwrap();
        let e = write(&dir.path().join("new")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("already exists"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    }
}
