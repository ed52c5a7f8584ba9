using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// File operations of the spill directory: files and directories only their owner can read (spilled events hold
/// private metadata), and deletion that reports failure instead of throwing.
/// </summary>
internal static class SpillFiles
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;
    private const int StatxUidOffset = 20;
    private const int Eperm = 1;
    private const int Enosys = 38;

    /// <summary>Deletes a file, if any; <see langword="false"/> when it could not be deleted.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Options that create a new file, for writing, readable by its owner only.</summary>
    public static FileStreamOptions OwnerOnlyFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    /// <summary>
    /// Creates a directory, or restricts one that exists, to its owner. A symbolic link is refused, and on Linux a
    /// directory another user owns (that user could read what is spilled, or swap the files).
    /// </summary>
    /// <exception cref="IOException">The directory is a link or someone else's; the message says which.</exception>
    public static void CreateOwnerOnlyDirectory(string path)
    {
        RefuseLink(path);
        if (OperatingSystem.IsWindows())
        {
            CreateOwnerOnlyOnWindows(path);
            RefuseLink(path);
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(path, ownerOnly);

        // Checked again after creating: a link or another user's directory may have appeared in between.
        RefuseLink(path);
        if (OwnerOnLinux(path) is { } owner && geteuid() is var user && owner != user)
        {
            throw new IOException(
                $"The spill directory '{path}' is owned by user id {owner}, not by this process's user id {user}. " +
                "Use a directory of this service's own user: spilled events hold private metadata.");
        }

        // A directory that already existed keeps whatever mode it had: spilled events hold private metadata.
        File.SetUnixFileMode(path, ownerOnly);
    }

    /// <summary>Deletes the files of <paramref name="directory"/> written before <paramref name="expiredBefore"/>, and the oldest beyond <paramref name="keep"/>.</summary>
    public static void Prune(string directory, int keep, DateTime expiredBefore)
    {
        // A link is never followed: its target's files are not ours to delete.
        if (!Directory.Exists(directory) || new FileInfo(directory).LinkTarget is not null)
        {
            return;
        }

        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < files.Count; i++)
        {
            if (i < files.Count - keep || File.GetLastWriteTimeUtc(files[i]) < expiredBefore)
            {
                TryDelete(files[i]);
            }
        }
    }

    private static void RefuseLink(string path)
    {
        // LinkTarget examines the path itself (lstat): a link to a directory is seen, not followed.
        if (new FileInfo(path).LinkTarget is { } target)
        {
            throw new IOException(
                $"The spill directory '{path}' is a symbolic link (to '{target}'). Use a real directory of this service alone: " +
                "spilled events hold private metadata.");
        }
    }

    /// <summary>
    /// The user id owning <paramref name="path"/> itself (a link is not followed), or <see langword="null"/> when not on
    /// Linux or it cannot be checked here. .NET has no API for it: <c>statx(2)</c> (glibc 2.28, musl 1.2.5 or later)
    /// has the same buffer layout on every architecture, unlike <c>struct stat</c>.
    /// </summary>
    private static uint? OwnerOnLinux(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        int result;
        try
        {
            result = statx(AtCurrentDirectory, Encoding.UTF8.GetBytes(path + "\0"), AtSymlinkNoFollow, StatxUid, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        if (result != 0)
        {
            // EPERM or ENOSYS: statx refused by a sandbox (older container seccomp profiles).
            var error = Marshal.GetLastPInvokeError();
            return error is Eperm or Enosys ? null : throw new IOException($"The owner of '{path}' could not be read (errno {error}).");
        }

        // In the machine's byte order; stx_mask (at the start) says whether the kernel filled stx_uid.
        var filled = (MemoryMarshal.Read<uint>(buffer) & StatxUid) != 0;
        return filled ? MemoryMarshal.Read<uint>(buffer.AsSpan(StatxUidOffset)) : null;
    }

    // Not testable on Linux: the directory gets an ACL of its own (inherited rules removed) granting only the current user.
    [SupportedOSPlatform("windows")]
    private static void CreateOwnerOnlyOnWindows(string path)
    {
        var user = WindowsIdentity.GetCurrent().User!;
        var security = new DirectorySecurity();
        security.SetOwner(user);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(
            user, FileSystemRights.FullControl, InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        var directory = new DirectoryInfo(path);
        if (directory.Exists)
        {
            directory.SetAccessControl(security);
        }
        else
        {
            directory.Create(security);
        }
    }

#pragma warning disable SA1300, IDE1006 // The C library's names.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int directory, byte[] path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SA1300, IDE1006
}
