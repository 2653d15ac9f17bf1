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
