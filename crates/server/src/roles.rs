//! Roles and what each may do: one table, enforced in one place ([`require`]).

use crate::error::AppError;

/// A role: staff, and partner agencies (API tokens only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Petugas at the counter or checkpoint.
    Officer,
    /// Senior officer: an officer who also keeps the watchlists (second factor required).
    SeniorOfficer,
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
    /// A partner agency (another immigration service, police): signs in with an expiring API
    /// token issued by an administrator, never a password; may ask whether a document is reported
    /// lost, stolen or revoked (no holder data) and check MRZs.
    Partner,
}

/// Something a request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read persons, documents, applications, crossings (pseudonymised unless the role also has
    /// [`Permission::ReadIdentities`] or states a basis, see `crate::pseudonyms`).
    ReadPersonal,
    /// See who the persons read are: names, NIKs, document numbers, phones, addresses.
    ReadIdentities,
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
    /// Ask a document's status (valid, lost, stolen, revoked) without any holder data.
    DocumentStatus,
    /// Record data breaches and their notifications (UU 27/2022 Art. 46).
    ManageBreaches,
    /// Record, decide and complete data-subject requests (access, rectification, objection).
    ManageSubjectRequests,
}

/// The table. Read it as: this role may do these things, and nothing else.
const GRANTS: &[(Role, &[Permission])] = &[
    (
        Role::Officer,
        &[
            Permission::ReadPersonal,
            Permission::ReadIdentities,
            Permission::WriteRecords,
            Permission::CheckMrz,
            Permission::Check,
            Permission::Decide,
            Permission::DocumentStatus,
        ],
    ),
    (
        Role::SeniorOfficer,
        &[
            Permission::ReadPersonal,
            Permission::ReadIdentities,
            Permission::WriteRecords,
            Permission::ManageWatchlist,
            Permission::CheckMrz,
            Permission::Check,
            Permission::Decide,
            Permission::DocumentStatus,
        ],
    ),
    (Role::Analyst, &[Permission::ReadPersonal, Permission::CheckMrz, Permission::Check, Permission::ReadReports]),
    (
        Role::Supervisor,
        &[
            Permission::ReadPersonal,
            Permission::ReadIdentities,
            Permission::WriteRecords,
            Permission::ManageWatchlist,
            Permission::ReadAudit,
            Permission::CheckMrz,
            Permission::Check,
            Permission::Decide,
            Permission::ReadReports,
            Permission::ReadReporterContact,
            Permission::ManageCases,
            Permission::DocumentStatus,
            Permission::ManageBreaches,
            Permission::ManageSubjectRequests,
        ],
    ),
    (Role::Admin, &[Permission::ReadAudit, Permission::ManageBreaches]),
    (Role::Dpo, &[Permission::ReadAudit, Permission::ManageBreaches, Permission::ManageSubjectRequests]),
    (Role::CaseWorker, &[Permission::ReadReports, Permission::ReadReporterContact, Permission::ManageCases]),
    (Role::Partner, &[Permission::DocumentStatus, Permission::CheckMrz]),
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
            "senior_officer" | "senior-officer" => Some(Role::SeniorOfficer),
            "partner" => Some(Role::Partner),
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
            Role::SeniorOfficer => "senior_officer",
            Role::Partner => "partner",
        }
    }

    /// All roles.
    pub const ALL: [Role; 8] = [
        Role::Officer,
        Role::SeniorOfficer,
        Role::Analyst,
        Role::Supervisor,
        Role::Admin,
        Role::Dpo,
        Role::CaseWorker,
        Role::Partner,
    ];

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
        assert!(Role::Analyst.allows(Permission::ReadPersonal) && !Role::Analyst.allows(Permission::ReadIdentities));
        assert!(Role::Officer.allows(Permission::ReadIdentities));
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
        assert!(
            Role::SeniorOfficer.allows(Permission::ManageWatchlist)
                && !Role::SeniorOfficer.allows(Permission::ReadAudit)
        );
        assert!(Role::Partner.allows(Permission::DocumentStatus) && !Role::Partner.allows(Permission::ReadPersonal));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
    }
}
