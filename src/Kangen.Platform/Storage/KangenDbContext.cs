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

    /// <summary>Which provider this context is for.</summary>
    public abstract StorageProvider Provider { get; }

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
