namespace Kangen.Platform.Storage;

/// <summary>
/// The waiting room's shared state (one row, id 1): the settings an administrator saved, and the queue's two counters
/// that every replica reads and advances. Tickets are numbered by <see cref="Issued"/>; a ticket is admitted once its
/// number is at most <see cref="Admitted"/>. No person, session or ticket is stored: tickets are signed tokens the
/// citizen holds.
/// </summary>
public sealed class AdmissionState
{
    /// <summary>Always 1.</summary>
    public int Id { get; set; }

    /// <summary>Whether an administrator has saved settings (until then the configuration decides).</summary>
    public bool Saved { get; set; }

    /// <summary>Admission control on (saved setting).</summary>
    public bool Enabled { get; set; }

    /// <summary>People in the citizen flow at once (saved setting).</summary>
    public int Capacity { get; set; }

    /// <summary>Citizen-flow requests per second before newcomers wait (0: no limit; saved setting).</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>The staggered windows rule as JSON (null: none; saved setting).</summary>
    public string? Windows { get; set; }

    /// <summary>When the settings were saved.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Who saved them (staff id).</summary>
    public string? UpdatedBy { get; set; }

    /// <summary>The number of the last ticket drawn.</summary>
    public long Issued { get; set; }

    /// <summary>Every ticket numbered up to this is admitted.</summary>
    public long Admitted { get; set; }

    /// <summary>Newcomers that may still be admitted at once (no queue) until the next advance.</summary>
    public int Budget { get; set; }

    /// <summary>Newcomers admitted at once since the last advance.</summary>
    public int Direct { get; set; }

    /// <summary>Citizen-flow requests counted by the replicas since the last advance.</summary>
    public long Requests { get; set; }

    /// <summary>Unix milliseconds (real time) of the last advance.</summary>
    public long AdvancedAtMs { get; set; }
}

/// <summary>One advance of the queue: what the dashboard and the wait estimates read (kept for a day).</summary>
public sealed class AdmissionTick
{
    /// <summary>Sequence.</summary>
    public long Id { get; set; }

    /// <summary>When (the platform's clock).</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Seconds since the previous advance (real time).</summary>
    public double Seconds { get; set; }

    /// <summary>Tickets waiting after this advance.</summary>
    public long QueueLength { get; set; }

    /// <summary>People counted in the flow (open citizen sessions and fresh passes).</summary>
    public int InFlow { get; set; }

    /// <summary>People admitted since the previous advance (from the queue and at once).</summary>
    public int AdmittedCount { get; set; }

    /// <summary>Citizen-flow requests per second measured over the interval.</summary>
    public double RequestsPerSecond { get; set; }

    /// <summary>The admitted watermark after this advance.</summary>
    public long AdmittedThrough { get; set; }

    /// <summary>The last ticket number drawn before this advance.</summary>
    public long IssuedThrough { get; set; }
}
