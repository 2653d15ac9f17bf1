using System.Runtime.InteropServices;

namespace Kangen.Platform.Features.Secrets;

/// <summary>
/// The few POSIX calls the key file needs and .NET does not offer: flushing a folder (so a rename survives a crash),
/// a file's owner and group (so that a replacement keeps them), and putting a file in place only if none is there.
/// </summary>
internal static class Posix
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxUid = 0x8;
    private const uint StatxGid = 0x10;
    // Linux's numbers (EEXIST, EPERM, EXDEV, EMLINK agree with macOS; ENOTSUP and ENOSYS are Linux's).
    private const int EExist = 17;
    private const int EPerm = 1;
    private const int EXDev = 18;
    private const int EMLink = 31;
    private const int ENotSup = 95;
    private const int ENoSys = 38;

    /// <summary>fsync on the folder: the rename into it is on disk once this returns.</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed.</exception>
    public static void FlushDirectory(string folder)
    {
        var fd = open(folder, 0 /* O_RDONLY: enough to fsync a directory */);
        if (fd < 0)
            throw new IOException($"Cannot open {folder} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (fsync(fd) != 0)
                throw new IOException($"Cannot flush {folder} (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// Gives the file <paramref name="existing"/> the second name <paramref name="name"/> unless that name exists, in one
    /// step (link(2)). <c>File.Move</c> without overwrite is not that on Unix: it checks the name, then renames, so two
    /// processes can both pass the check and the second replace the first's file.
    /// </summary>
    /// <returns>True when linked, false when <paramref name="name"/> already exists, null when the file system has no
    /// hard links (the caller falls back to another way).</returns>
    /// <exception cref="IOException">Any other failure.</exception>
    public static bool? LinkNew(string existing, string name)
    {
        if (link(existing, name) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            EExist => false,
            EPerm or EXDev or EMLink or ENotSup or ENoSys => null,
            _ => throw new IOException($"Cannot link {existing} as {name} (errno {errno})."),
        };
    }

    /// <summary>Gives <paramref name="replacement"/> the owner and group of <paramref name="original"/> (Linux).</summary>
    /// <exception cref="IOException">Either cannot be examined, or this process may not give the replacement that owner and group.</exception>
    public static void KeepOwner(string original, string replacement)
    {
        var (uid, gid) = Owner(original);
        if (Owner(replacement) == (uid, gid))
            return;
        if (chown(replacement, uid, gid) != 0)
        {
            throw new IOException(
                $"{original} belongs to user {uid} (group {gid}) and this process (user {geteuid()}) cannot give its replacement that owner " +
                $"(errno {Marshal.GetLastPInvokeError()}); nothing was changed. Run the command as the file's owner (e.g. sudo -u <owner> kangen ...), " +
                "so that the replicas can still read the file.");
        }
    }

    private static (uint Uid, uint Gid) Owner(string path)
    {
        // statx has one layout on every Linux architecture (struct stat does not): stx_uid at 20, stx_gid at 24.
        var buffer = new byte[256];
        if (statx(AtCurrentDirectory, path, 0, StatxUid | StatxGid, buffer) != 0)
            throw new IOException($"Cannot read the owner of {path} (errno {Marshal.GetLastPInvokeError()}).");
        return (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24));
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this project; these signatures marshal nothing by hand.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SYSLIB1054
}
