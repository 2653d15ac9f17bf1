using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kangen.Platform.Storage;

/// <summary>
/// The platform's database. The model is defined once here; <see cref="SqliteKangenDbContext"/> and
/// <see cref="PostgresKangenDbContext"/> exist so that each provider has its own migration set.
/// </summary>
public abstract class KangenDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>Persons (My Key IDs).</summary>
    public DbSet<Person> Persons => Set<Person>();

    /// <summary>Certificate serials linked to persons.</summary>
    public DbSet<CertificateLink> Certificates => Set<CertificateLink>();

    /// <summary>Used challenge nonces.</summary>
    public DbSet<ConsumedChallenge> ConsumedChallenges => Set<ConsumedChallenge>();

    /// <summary>Sessions.</summary>
    public DbSet<Session> Sessions => Set<Session>();

    /// <summary>The audit log.</summary>
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    /// <summary>The audit chain head (one row).</summary>
    public DbSet<AuditHead> AuditHead => Set<AuditHead>();

    /// <summary>Signed application submissions.</summary>
    public DbSet<ApplicationSubmission> ApplicationSubmissions => Set<ApplicationSubmission>();

    /// <summary>Applications per person, campaign and program.</summary>
    public DbSet<ProgramApplication> Applications => Set<ProgramApplication>();

    /// <summary>The service and account each person chose per campaign.</summary>
    public DbSet<CampaignChoice> CampaignChoices => Set<CampaignChoice>();

    /// <summary>Payment service accounts bound to persons.</summary>
    public DbSet<ServiceAccount> ServiceAccounts => Set<ServiceAccount>();

    /// <summary>Registrations of the built-in registry adapter.</summary>
    public DbSet<Registration> Registrations => Set<Registration>();

    /// <summary>Rate-limit windows shared by replicas.</summary>
    public DbSet<RateWindow> RateWindows => Set<RateWindow>();

    /// <summary>Payment operators registered by administrators.</summary>
    public DbSet<OperatorAccount> Operators => Set<OperatorAccount>();

    /// <summary>Operators' public signing keys.</summary>
    public DbSet<OperatorKey> OperatorKeys => Set<OperatorKey>();

    /// <summary>Per-operator pseudonyms of persons.</summary>
    public DbSet<OperatorPseudonym> OperatorPseudonyms => Set<OperatorPseudonym>();

    /// <summary>The operators' enrolment feeds.</summary>
    public DbSet<EnrolmentEvent> EnrolmentEvents => Set<EnrolmentEvent>();

    /// <summary>Persons whose operator links are suspended.</summary>
    public DbSet<LinkSuspension> LinkSuspensions => Set<LinkSuspension>();

    /// <summary>The grant ledger.</summary>
    public DbSet<GrantEntry> Grants => Set<GrantEntry>();

    /// <summary>Running grant totals per person and campaign.</summary>
    public DbSet<GrantTotal> GrantTotals => Set<GrantTotal>();

    /// <summary>Final settlement envelopes.</summary>
    public DbSet<Settlement> Settlements => Set<Settlement>();

    /// <summary>Versions of the documents administrators edit (campaign, catalogue).</summary>
    public DbSet<ConfigurationDocument> ConfigurationDocuments => Set<ConfigurationDocument>();

    /// <summary>The waiting room's shared state (one row).</summary>
    public DbSet<AdmissionState> AdmissionState => Set<AdmissionState>();

    /// <summary>The waiting room's advances (a day of history).</summary>
    public DbSet<AdmissionTick> AdmissionTicks => Set<AdmissionTick>();

    /// <summary>Which provider this context is for.</summary>
    public abstract StorageProvider Provider { get; }

    /// <summary>
    /// The audit head a group commit locked for this context's transaction and moves in memory (null outside one): every
    /// append on this context goes after it, never after the database's head, which would fork the chain.
    /// </summary>
    internal Kangen.Platform.Features.Audit.AuditCursor? HeldAuditHead { get; set; }

    /// <summary>
    /// Set while a deferred piece of a group commit runs (see <see cref="GroupReads"/>): it has no savepoint, so a
    /// statement that writes is refused on this context, and a save is refused by the group.
    /// </summary>
    internal bool WritesRefused { get; set; }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Person>(e =>
        {
            e.ToTable("persons");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(p => p.MyKeyId).HasColumnName("my_key_id").HasMaxLength(8).IsRequired();
            e.Property(p => p.RegenerationsUsed).HasColumnName("regenerations_used");
            e.Property(p => p.CreatedAt).HasColumnName("created_at");
            e.Property(p => p.CardHeldSince).HasColumnName("card_held_since");
            e.HasIndex(p => p.MyKeyId).IsUnique().HasDatabaseName("ux_persons_my_key_id");
        });
        modelBuilder.Entity<CertificateLink>(e =>
        {
            e.ToTable("certificates");
            e.HasKey(c => c.Serial);
            e.Property(c => c.Serial).HasColumnName("serial").HasMaxLength(64);
            e.Property(c => c.PersonId).HasColumnName("person_id");
            e.Property(c => c.LinkedAt).HasColumnName("linked_at");
            e.Property(c => c.How).HasColumnName("how").HasMaxLength(16).IsRequired();
            e.Property(c => c.PredecessorSerial).HasColumnName("predecessor_serial").HasMaxLength(64);
            e.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(c => c.PersonId).HasDatabaseName("ix_certificates_person_id");
        });
        modelBuilder.Entity<ConsumedChallenge>(e =>
        {
            e.ToTable("consumed_challenges");
            e.HasKey(c => c.Nonce);
            e.Property(c => c.Nonce).HasColumnName("nonce").HasMaxLength(32);
            e.Property(c => c.Purpose).HasColumnName("purpose").HasMaxLength(32).IsRequired();
            e.Property(c => c.ConsumedAt).HasColumnName("consumed_at");
            e.Property(c => c.ExpiresAt).HasColumnName("expires_at");
            e.HasIndex(c => c.ExpiresAt).HasDatabaseName("ix_consumed_challenges_expires_at");
        });
        modelBuilder.Entity<Session>(e =>
        {
            e.ToTable("sessions");
            e.HasKey(s => s.TokenHash);
            e.Property(s => s.TokenHash).HasColumnName("token_hash").HasMaxLength(64);
            e.Property(s => s.PersonId).HasColumnName("person_id");
            e.Property(s => s.Serial).HasColumnName("serial").HasMaxLength(64).IsRequired();
            e.Property(s => s.CreatedAt).HasColumnName("created_at");
            e.Property(s => s.ExpiresAt).HasColumnName("expires_at");
            e.Property(s => s.EndedAt).HasColumnName("ended_at");
            e.Property(s => s.Channel).HasColumnName("channel").HasMaxLength(16).IsRequired().HasDefaultValue("web");
            e.HasOne<Person>().WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(s => s.PersonId).HasDatabaseName("ix_sessions_person_id");
            e.HasIndex(s => s.ExpiresAt).HasDatabaseName("ix_sessions_expires_at");
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_log");
            e.HasKey(a => a.Sequence);
            e.Property(a => a.Sequence).HasColumnName("sequence").ValueGeneratedNever();
            e.Property(a => a.At).HasColumnName("at");
            e.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(64).IsRequired();
            e.Property(a => a.Action).HasColumnName("action").HasMaxLength(64).IsRequired();
            e.Property(a => a.Subject).HasColumnName("subject").HasMaxLength(128).IsRequired();
            e.Property(a => a.Data).HasColumnName("data").IsRequired();
            e.Property(a => a.PreviousHash).HasColumnName("previous_hash").HasMaxLength(64).IsRequired();
            e.Property(a => a.Hash).HasColumnName("hash").HasMaxLength(64).IsRequired();
        });
        modelBuilder.Entity<ApplicationSubmission>(e =>
        {
            e.ToTable("application_submissions");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(a => a.RequesterId).HasColumnName("requester_id");
            e.Property(a => a.IdempotencyKeyHash).HasColumnName("idempotency_key_hash").HasMaxLength(64).IsRequired();
            e.Property(a => a.RequestHash).HasColumnName("request_hash").HasMaxLength(64).IsRequired();
            e.Property(a => a.PersonId).HasColumnName("person_id");
            e.Property(a => a.Campaign).HasColumnName("campaign").HasMaxLength(64).IsRequired();
            e.Property(a => a.CampaignVersion).HasColumnName("campaign_version");
            e.Property(a => a.Service).HasColumnName("service").HasMaxLength(64).IsRequired();
            e.Property(a => a.TermsVersion).HasColumnName("terms_version").HasMaxLength(32).IsRequired();
            e.Property(a => a.AccountReference).HasColumnName("account_reference").HasMaxLength(64).IsRequired();
            e.Property(a => a.SealedServiceId).HasColumnName("sealed_service_id").HasMaxLength(512).IsRequired();
            e.Property(a => a.PhoneHash).HasColumnName("phone_hash").HasMaxLength(80);
            e.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(32).IsRequired();
            e.Property(a => a.Channel).HasColumnName("channel").HasMaxLength(16).IsRequired();
            e.Property(a => a.StatementHash).HasColumnName("statement_hash").HasMaxLength(64).IsRequired();
            e.Property(a => a.Serial).HasColumnName("serial").HasMaxLength(64).IsRequired();
            e.Property(a => a.Signature).HasColumnName("signature").HasMaxLength(1024).IsRequired();
            e.Property(a => a.RepresentativeSerial).HasColumnName("representative_serial").HasMaxLength(64);
            e.Property(a => a.RepresentativeSignature).HasColumnName("representative_signature").HasMaxLength(1024);
            e.Property(a => a.RecordedAt).HasColumnName("recorded_at");
            e.HasOne<Person>().WithMany().HasForeignKey(a => a.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Person>().WithMany().HasForeignKey(a => a.RequesterId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(a => new { a.RequesterId, a.IdempotencyKeyHash }).IsUnique().HasDatabaseName("ux_application_submissions_idempotency");
            e.HasIndex(a => a.PersonId).HasDatabaseName("ix_application_submissions_person_id");
        });
        modelBuilder.Entity<ProgramApplication>(e =>
        {
            e.ToTable("applications");
            e.HasKey(a => new { a.Campaign, a.PersonId, a.Program });
            e.Property(a => a.Campaign).HasColumnName("campaign").HasMaxLength(64);
            e.Property(a => a.PersonId).HasColumnName("person_id");
            e.Property(a => a.Program).HasColumnName("program").HasMaxLength(32);
            e.Property(a => a.SubmissionId).HasColumnName("submission_id");
            e.Property(a => a.Service).HasColumnName("service").HasMaxLength(64).IsRequired();
            e.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(32).IsRequired();
            e.Property(a => a.Channel).HasColumnName("channel").HasMaxLength(16).IsRequired();
            e.Property(a => a.RecordedAt).HasColumnName("recorded_at");
            e.HasOne<Person>().WithMany().HasForeignKey(a => a.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<ApplicationSubmission>().WithMany().HasForeignKey(a => a.SubmissionId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(a => a.SubmissionId).HasDatabaseName("ix_applications_submission_id");
            e.HasIndex(a => a.RecordedAt).HasDatabaseName("ix_applications_recorded_at");
        });
        modelBuilder.Entity<CampaignChoice>(e =>
        {
            e.ToTable("campaign_choices");
            e.HasKey(c => new { c.Campaign, c.PersonId });
            e.Property(c => c.Campaign).HasColumnName("campaign").HasMaxLength(64);
            e.Property(c => c.PersonId).HasColumnName("person_id");
            e.Property(c => c.Service).HasColumnName("service").HasMaxLength(64).IsRequired();
            e.Property(c => c.AccountReference).HasColumnName("account_reference").HasMaxLength(64).IsRequired();
            e.Property(c => c.ChosenAt).HasColumnName("chosen_at");
            e.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<ServiceAccount>(e =>
        {
            e.ToTable("service_accounts");
            e.HasKey(a => new { a.Service, a.AccountReference });
            e.Property(a => a.Service).HasColumnName("service").HasMaxLength(64);
            e.Property(a => a.AccountReference).HasColumnName("account_reference").HasMaxLength(64);
            e.Property(a => a.PersonId).HasColumnName("person_id");
            e.Property(a => a.BoundAt).HasColumnName("bound_at");
            e.HasOne<Person>().WithMany().HasForeignKey(a => a.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(a => a.PersonId).HasDatabaseName("ix_service_accounts_person_id");
        });
        modelBuilder.Entity<Registration>(e =>
        {
            e.ToTable("registrations");
            e.HasKey(r => new { r.PersonId, r.Kind });
            e.Property(r => r.PersonId).HasColumnName("person_id");
            e.Property(r => r.Kind).HasColumnName("kind").HasMaxLength(32);
            e.Property(r => r.RegisteredAt).HasColumnName("registered_at");
            e.Property(r => r.UpdatedAt).HasColumnName("updated_at");
            e.Property(r => r.Channel).HasColumnName("channel").HasMaxLength(16).IsRequired();
            e.Property(r => r.Summary).HasColumnName("summary").HasMaxLength(256).IsRequired();
            e.Property(r => r.Fingerprint).HasColumnName("fingerprint").HasMaxLength(80).IsRequired();
            e.Property(r => r.Sealed).HasColumnName("sealed").HasMaxLength(2048).IsRequired();
            e.HasOne<Person>().WithMany().HasForeignKey(r => r.PersonId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<RateWindow>(e =>
        {
            e.ToTable("rate_windows");
            e.HasKey(r => new { r.Key, r.WindowStart });
            e.Property(r => r.Key).HasColumnName("key").HasMaxLength(128);
            e.Property(r => r.WindowStart).HasColumnName("window_start");
            e.Property(r => r.Count).HasColumnName("count");
            e.HasIndex(r => r.WindowStart).HasDatabaseName("ix_rate_windows_window_start");
        });
        modelBuilder.Entity<OperatorAccount>(e =>
        {
            e.ToTable("operators");
            e.HasKey(o => o.Code);
            e.Property(o => o.Code).HasColumnName("code").HasMaxLength(64);
            e.Property(o => o.Status).HasColumnName("status").HasMaxLength(16).IsRequired();
            e.Property(o => o.VerificationUrl).HasColumnName("verification_url").HasMaxLength(512);
            e.Property(o => o.CreatedAt).HasColumnName("created_at");
            e.Property(o => o.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<OperatorKey>(e =>
        {
            e.ToTable("operator_keys");
            e.HasKey(k => k.KeyId);
            e.Property(k => k.KeyId).HasColumnName("key_id").HasMaxLength(32);
            e.Property(k => k.OperatorCode).HasColumnName("operator_code").HasMaxLength(64).IsRequired();
            e.Property(k => k.PublicKey).HasColumnName("public_key").HasMaxLength(512).IsRequired();
            e.Property(k => k.CreatedAt).HasColumnName("created_at");
            e.Property(k => k.RevokedAt).HasColumnName("revoked_at");
            e.HasOne<OperatorAccount>().WithMany().HasForeignKey(k => k.OperatorCode).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(k => k.OperatorCode).HasDatabaseName("ix_operator_keys_operator_code");
        });
        modelBuilder.Entity<OperatorPseudonym>(e =>
        {
            e.ToTable("operator_pseudonyms");
            e.HasKey(p => new { p.OperatorCode, p.Pseudonym });
            e.Property(p => p.OperatorCode).HasColumnName("operator_code").HasMaxLength(64);
            e.Property(p => p.Pseudonym).HasColumnName("pseudonym").HasMaxLength(32);
            e.Property(p => p.PersonId).HasColumnName("person_id");
            e.Property(p => p.CreatedAt).HasColumnName("created_at");
            e.HasOne<Person>().WithMany().HasForeignKey(p => p.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(p => new { p.OperatorCode, p.PersonId }).IsUnique().HasDatabaseName("ux_operator_pseudonyms_person");
            e.HasIndex(p => p.PersonId).HasDatabaseName("ix_operator_pseudonyms_person_id");
        });
        modelBuilder.Entity<EnrolmentEvent>(e =>
        {
            e.ToTable("enrolment_events");
            e.HasKey(v => new { v.AuditSequence, v.Ordinal });
            e.Property(v => v.AuditSequence).HasColumnName("audit_sequence").ValueGeneratedNever();
            e.Property(v => v.Ordinal).HasColumnName("ordinal").ValueGeneratedNever();
            e.Property(v => v.OperatorCode).HasColumnName("operator_code").HasMaxLength(64).IsRequired();
            e.Property(v => v.Pseudonym).HasColumnName("pseudonym").HasMaxLength(32).IsRequired();
            e.Property(v => v.Kind).HasColumnName("kind").HasMaxLength(16).IsRequired();
            e.Property(v => v.Service).HasColumnName("service").HasMaxLength(64).IsRequired();
            e.Property(v => v.AccountReference).HasColumnName("account_reference").HasMaxLength(64).IsRequired();
            e.Property(v => v.Program).HasColumnName("program").HasMaxLength(32);
            e.Property(v => v.Reason).HasColumnName("reason").HasMaxLength(16);
            e.Property(v => v.At).HasColumnName("at");
            e.HasIndex(v => new { v.OperatorCode, v.AuditSequence, v.Ordinal }).HasDatabaseName("ix_enrolment_events_feed");
        });
        modelBuilder.Entity<LinkSuspension>(e =>
        {
            e.ToTable("link_suspensions");
            e.HasKey(s => s.PersonId);
            e.Property(s => s.PersonId).HasColumnName("person_id").ValueGeneratedNever();
            e.Property(s => s.Reason).HasColumnName("reason").HasMaxLength(16).IsRequired();
            e.Property(s => s.SuspendedAt).HasColumnName("suspended_at");
            e.Property(s => s.SuspendedBy).HasColumnName("suspended_by").HasMaxLength(64).IsRequired();
            e.HasOne<Person>().WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<GrantEntry>(e =>
        {
            e.ToTable("grants");
            e.HasKey(g => g.Id);
            e.Property(g => g.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(g => g.OperatorCode).HasColumnName("operator_code").HasMaxLength(64).IsRequired();
            e.Property(g => g.Key).HasColumnName("key").HasMaxLength(64).IsRequired();
            e.Property(g => g.LineHash).HasColumnName("line_hash").HasMaxLength(64).IsRequired();
            e.Property(g => g.Kind).HasColumnName("kind").HasMaxLength(16).IsRequired();
            e.Property(g => g.PersonId).HasColumnName("person_id");
            e.Property(g => g.Campaign).HasColumnName("campaign").HasMaxLength(64).IsRequired();
            e.Property(g => g.Service).HasColumnName("service").HasMaxLength(64).IsRequired();
            e.Property(g => g.Program).HasColumnName("program").HasMaxLength(32).IsRequired();
            e.Property(g => g.Proposed).HasColumnName("proposed");
            e.Property(g => g.Points).HasColumnName("points");
            e.Property(g => g.Status).HasColumnName("status").HasMaxLength(16).IsRequired();
            e.Property(g => g.Reason).HasColumnName("reason").HasMaxLength(64);
            e.Property(g => g.RelatedId).HasColumnName("related_id");
            e.Property(g => g.OccurredAt).HasColumnName("occurred_at");
            e.Property(g => g.Month).HasColumnName("month");
            e.Property(g => g.RemainingProgram).HasColumnName("remaining_program");
            e.Property(g => g.RemainingTotal).HasColumnName("remaining_total");
            e.Property(g => g.RecordedAt).HasColumnName("recorded_at");
            e.Property(g => g.SettlementId).HasColumnName("settlement_id");
            e.HasOne<Person>().WithMany().HasForeignKey(g => g.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(g => new { g.OperatorCode, g.Key }).IsUnique().HasDatabaseName("ux_grants_operator_key");
            e.HasIndex(g => new { g.OperatorCode, g.SettlementId, g.Month }).HasDatabaseName("ix_grants_settlement");
            e.HasIndex(g => g.PersonId).HasDatabaseName("ix_grants_person_id");
        });
        modelBuilder.Entity<GrantTotal>(e =>
        {
            e.ToTable("grant_totals");
            e.HasKey(t => new { t.Campaign, t.PersonId });
            e.Property(t => t.Campaign).HasColumnName("campaign").HasMaxLength(64);
            e.Property(t => t.PersonId).HasColumnName("person_id");
            e.Property(t => t.CardAcquisition).HasColumnName("card_acquisition");
            e.Property(t => t.HealthInsurance).HasColumnName("health_insurance");
            e.Property(t => t.PublicFundAccount).HasColumnName("public_fund_account");
            e.HasOne<Person>().WithMany().HasForeignKey(t => t.PersonId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<Settlement>(e =>
        {
            e.ToTable("settlements");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(s => s.OperatorCode).HasColumnName("operator_code").HasMaxLength(64).IsRequired();
            e.Property(s => s.Month).HasColumnName("month");
            e.Property(s => s.State).HasColumnName("state").HasMaxLength(16).IsRequired();
            e.Property(s => s.Count).HasColumnName("count");
            e.Property(s => s.Points).HasColumnName("points");
            e.Property(s => s.GrantedPoints).HasColumnName("granted_points");
            e.Property(s => s.RefundedPoints).HasColumnName("refunded_points");
            e.Property(s => s.ClosedAt).HasColumnName("closed_at");
            e.Property(s => s.ClosedBy).HasColumnName("closed_by").HasMaxLength(64).IsRequired();
            e.Property(s => s.ConfirmedAt).HasColumnName("confirmed_at");
            e.Property(s => s.ConfirmedWith).HasColumnName("confirmed_with").HasMaxLength(32);
            e.HasOne<OperatorAccount>().WithMany().HasForeignKey(s => s.OperatorCode).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(s => new { s.OperatorCode, s.Month }).IsUnique().HasDatabaseName("ux_settlements_operator_month");
        });
        modelBuilder.Entity<ConfigurationDocument>(e =>
        {
            e.ToTable("configuration_documents");
            e.HasKey(d => new { d.Kind, d.Version });
            e.Property(d => d.Kind).HasColumnName("kind").HasMaxLength(32);
            e.Property(d => d.Version).HasColumnName("version").ValueGeneratedNever();
            e.Property(d => d.Content).HasColumnName("content").IsRequired();
            e.Property(d => d.Sha256).HasColumnName("sha256").HasMaxLength(64).IsRequired();
            e.Property(d => d.SavedAt).HasColumnName("saved_at");
            e.Property(d => d.SavedBy).HasColumnName("saved_by").HasMaxLength(64).IsRequired();
        });
        modelBuilder.Entity<AdmissionState>(e =>
        {
            e.ToTable("admission_state");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(a => a.Saved).HasColumnName("saved");
            e.Property(a => a.Enabled).HasColumnName("enabled");
            e.Property(a => a.Capacity).HasColumnName("capacity");
            e.Property(a => a.RequestsPerSecond).HasColumnName("requests_per_second");
            e.Property(a => a.Windows).HasColumnName("windows").HasMaxLength(4000);
            e.Property(a => a.UpdatedAt).HasColumnName("updated_at");
            e.Property(a => a.UpdatedBy).HasColumnName("updated_by").HasMaxLength(64);
            e.Property(a => a.Issued).HasColumnName("issued");
            e.Property(a => a.Admitted).HasColumnName("admitted");
            e.Property(a => a.Budget).HasColumnName("budget");
            e.Property(a => a.Direct).HasColumnName("direct");
            e.Property(a => a.Requests).HasColumnName("requests");
            e.Property(a => a.AdvancedAtMs).HasColumnName("advanced_at_ms");
            e.HasData(new AdmissionState { Id = 1 });
        });
        modelBuilder.Entity<AdmissionTick>(e =>
        {
            e.ToTable("admission_ticks");
            e.HasKey(t => t.Id);
            e.Property(t => t.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(t => t.At).HasColumnName("at");
            e.Property(t => t.Seconds).HasColumnName("seconds");
            e.Property(t => t.QueueLength).HasColumnName("queue_length");
            e.Property(t => t.InFlow).HasColumnName("in_flow");
            e.Property(t => t.AdmittedCount).HasColumnName("admitted_count");
            e.Property(t => t.RequestsPerSecond).HasColumnName("requests_per_second");
            e.Property(t => t.AdmittedThrough).HasColumnName("admitted_through");
            e.Property(t => t.IssuedThrough).HasColumnName("issued_through");
            e.HasIndex(t => t.At).HasDatabaseName("ix_admission_ticks_at");
        });
        modelBuilder.Entity<AuditHead>(e =>
        {
            e.ToTable("audit_head");
            e.HasKey(h => h.Id);
            e.Property(h => h.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(h => h.Sequence).HasColumnName("sequence");
            e.Property(h => h.Hash).HasColumnName("hash").HasMaxLength(64).IsRequired();
            e.HasData(new AuditHead { Id = 1, Sequence = 0, Hash = Features.Audit.AuditChain.GenesisHash });
        });
    }
}

/// <summary>The SQLite flavour (the embedded default): instants stored as sortable integers.</summary>
public sealed class SqliteKangenDbContext(DbContextOptions<SqliteKangenDbContext> options) : KangenDbContext(options)
{
    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.Sqlite;

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no instant type; as binary integers they compare and order correctly in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>The PostgreSQL flavour (production): instants as timestamptz.</summary>
public sealed class PostgresKangenDbContext(DbContextOptions<PostgresKangenDbContext> options) : KangenDbContext(options)
{
    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.Postgres;
}
