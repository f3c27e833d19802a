//! Roles and what each may do: one table, enforced in one place ([`require`]).

use crate::error::AppError;

/// A staff role. Still to come: senior officer, partner (issue 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Petugas at the counter or checkpoint.
    Officer,
    /// Intelligence / wasdakim analyst.
    Analyst,
    /// Supervisor: signs off, manages watchlists, reviews the audit log.
    Supervisor,
    /// Administrator: accounts and the audit log, but no traveller data.
    Admin,
    /// Data-protection officer (UU 27/2022 Art. 53): oversees processing through the audit log,
    /// but reads no traveller data.
    Dpo,
    /// Case worker: triages public reports into cases, links persons, refers to other agencies.
    /// Sees reporters' contacts; reads traveller records only as candidate links of a report.
    CaseWorker,
}

/// Something a request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read persons, documents, applications, crossings.
    ReadPersonal,
    /// Create or update persons, documents, applications and crossings.
    WriteRecords,
    /// Read and write watchlist entries.
    ManageWatchlist,
    /// Read and verify the audit log.
    ReadAudit,
    /// Check an MRZ (no stored data involved).
    CheckMrz,
    /// Run the counter check on a traveller (watchlists, documents, indicators).
    Check,
    /// Record a decision on an application (issue, delay, refuse), signed by the officer.
    Decide,
    /// Read public reports, lapor diri and SOS (without the reporter's contact).
    ReadReports,
    /// See who reported and how to reach them.
    ReadReporterContact,
    /// Triage reports, open and work cases, confirm links to traveller records.
    ManageCases,
}

/// The table. Read it as: this role may do these things, and nothing else.
const GRANTS: &[(Role, &[Permission])] = &[
    (
        Role::Officer,
        &[
            Permission::ReadPersonal,
            Permission::WriteRecords,
            Permission::CheckMrz,
            Permission::Check,
            Permission::Decide,
        ],
    ),
    (Role::Analyst, &[Permission::ReadPersonal, Permission::CheckMrz, Permission::Check, Permission::ReadReports]),
    (
        Role::Supervisor,
        &[
            Permission::ReadPersonal,
            Permission::WriteRecords,
            Permission::ManageWatchlist,
            Permission::ReadAudit,
            Permission::CheckMrz,
            Permission::Check,
            Permission::Decide,
            Permission::ReadReports,
            Permission::ReadReporterContact,
            Permission::ManageCases,
        ],
    ),
    (Role::Admin, &[Permission::ReadAudit]),
    (Role::Dpo, &[Permission::ReadAudit]),
    (Role::CaseWorker, &[Permission::ReadReports, Permission::ReadReporterContact, Permission::ManageCases]),
];

impl Role {
    /// Parses a role name.
    pub fn parse(name: &str) -> Option<Role> {
        match name.trim().to_ascii_lowercase().as_str() {
            "officer" => Some(Role::Officer),
            "analyst" => Some(Role::Analyst),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            "dpo" => Some(Role::Dpo),
            "case_worker" | "caseworker" | "case-worker" => Some(Role::CaseWorker),
            _ => None,
        }
    }

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Dpo => "dpo",
            Role::CaseWorker => "case_worker",
        }
    }

    /// All roles.
    pub const ALL: [Role; 6] =
        [Role::Officer, Role::Analyst, Role::Supervisor, Role::Admin, Role::Dpo, Role::CaseWorker];

    /// Whether this role has a permission.
    pub fn allows(self, permission: Permission) -> bool {
        GRANTS.iter().any(|(role, grants)| *role == self && grants.contains(&permission))
    }
}

/// Fails with 403 unless the role has the permission.
pub fn require(role: Role, permission: Permission) -> Result<(), AppError> {
    if role.allows(permission) { Ok(()) } else { Err(AppError::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_cannot_read_traveller_data() {
        assert!(!Role::Admin.allows(Permission::ReadPersonal));
        assert!(Role::Admin.allows(Permission::ReadAudit));
        assert!(!Role::Analyst.allows(Permission::WriteRecords));
        assert!(Role::Supervisor.allows(Permission::ManageWatchlist));
        assert!(!Role::Officer.allows(Permission::ManageWatchlist));
        assert!(Role::Dpo.allows(Permission::ReadAudit));
        assert!(!Role::Dpo.allows(Permission::ReadPersonal) && !Role::Dpo.allows(Permission::Decide));
        assert!(Role::CaseWorker.allows(Permission::ManageCases));
        assert!(!Role::CaseWorker.allows(Permission::ReadPersonal) && !Role::CaseWorker.allows(Permission::Check));
        assert!(
            Role::Analyst.allows(Permission::ReadReports) && !Role::Analyst.allows(Permission::ReadReporterContact)
        );
        assert!(!Role::Officer.allows(Permission::ReadReports));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
    }
}
