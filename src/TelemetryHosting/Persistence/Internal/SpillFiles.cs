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
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

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
        // "/x/link/" names the link's target to lstat and readlink: without the separator the link itself is checked.
        path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        RefuseLink(path);
        if (OperatingSystem.IsWindows())
        {
            CreateOwnerOnlyOnWindows(path);
            RefuseLink(path);
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        // Missing parents are created one by one, writable by this user only (CreateDirectory gives only the last one
        // the mode asked for, the others the umask's, which may leave them group-writable: refused by the parents check).
        const UnixFileMode parentMode = ownerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var missing = new Stack<string>();
        for (var parent = Path.GetDirectoryName(path); parent is not null && !Directory.Exists(parent); parent = Path.GetDirectoryName(parent))
        {
            missing.Push(parent);
        }

        while (missing.TryPop(out var parent))
        {
            Directory.CreateDirectory(parent, parentMode);
        }

        Directory.CreateDirectory(path, ownerOnly);

        // Checked again after creating: a link or another user's directory may have appeared in between.
        RefuseLink(path);
        if (UnixFileStatus.Of(path)?.Owner is { } owner && UnixFileStatus.CurrentUser is { } user && owner != user)
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

    /// <summary>
    /// Refuses a directory whose parents another user could change, as OpenSSH's <c>StrictModes</c> does: every directory
    /// above it, up to <c>/</c>, must be owned by root or this process's user (checked on Linux), and not writable by its
    /// group or others unless it has the sticky bit (as <c>/tmp</c> has). Otherwise that user could rename the spill
    /// directory and put one of theirs in its place. On Windows the directory's owner-only ACL is what counts.
    /// </summary>
    /// <returns>The directory's path through no symbolic link (the parents checked are those of that path).</returns>
    /// <exception cref="IOException">A parent another user could change; the message names it.</exception>
    public static string RefuseUnsafeParents(string path)
    {
        if (OperatingSystem.IsWindows() || Path.GetDirectoryName(path) is not { } parent)
        {
            return path;
        }

        var real = Path.Combine(RealPath(parent), Path.GetFileName(path));
        var user = UnixFileStatus.CurrentUser;
        for (var ancestor = Path.GetDirectoryName(real); ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
        {
            var status = UnixFileStatus.Of(ancestor);
            if (status is { Type: not UnixFileStatus.Directory })
            {
                throw new IOException($"The spill directory '{path}' is in '{ancestor}', now {status.Value.TypeName}: its parents changed while being checked.");
            }

            if (status is { Owner: var owner } && owner != 0 && owner != user)
            {
                throw new IOException(
                    $"The spill directory '{path}' is in '{ancestor}', owned by user id {owner}: that user could rename the spill " +
                    $"directory and put theirs in its place. Every directory above it must be owned by root or this process's user (id {user}).");
            }

            var mode = status?.Mode ?? File.GetUnixFileMode(ancestor);
            if ((mode & WritableByOthers) != 0 && (mode & UnixFileMode.StickyBit) == 0)
            {
                throw new IOException(
                    $"The spill directory '{path}' is in '{ancestor}', writable by its group or others (mode {Convert.ToString((int)mode, 8)}) " +
                    "without the sticky bit: another user could rename the spill directory and put theirs in its place. Remove " +
                    "that permission (chmod go-w), set the sticky bit (chmod +t, as /tmp has), or choose another directory.");
            }
        }

        return real;
    }

    /// <summary>
    /// Says why <paramref name="directory"/> is no longer what it was when <paramref name="atStart"/> was taken (a link,
    /// another directory put in its place, another owner or mode), or <see langword="null"/> when it still is. Where the
    /// status cannot be read (see <see cref="UnixFileStatus.Of(string)"/>), only that it is a directory and no link.
    /// </summary>
    public static string? DirectoryChanged(string directory, UnixFileStatus? atStart)
    {
        try
        {
            var now = UnixFileStatus.Of(directory);
            if (now is null || atStart is null)
            {
                return new DirectoryInfo(directory) is { Exists: true, LinkTarget: null } ? null : $"the spill directory '{directory}' is gone or is now a symbolic link";
            }

            return now == atStart ? null :
                $"the spill directory '{directory}' is not the one checked at start ({Describe(atStart.Value)}; now {Describe(now.Value)}): " +
                "it was replaced or changed, so nothing is written to it or read from it";
        }
        catch (IOException exception)
        {
            return $"the spill directory '{directory}' cannot be checked: {exception.Message}";
        }

        static string Describe(UnixFileStatus status) =>
            $"{status.TypeName} of user id {status.Owner}, mode {Convert.ToString((int)status.Mode, 8)}, device {status.Device} inode {status.Inode}";
    }

    /// <summary>
    /// Reads a whole file of the spill directory, or says why not in <paramref name="refused"/>: see
    /// <see cref="OpenToRead"/>, and a file larger than <paramref name="maxBytes"/> is not read.
    /// </summary>
    public static byte[]? ReadOwnFile(string path, long maxBytes, out string? refused)
    {
        using var stream = OpenToRead(path, out refused);
        if (stream is null)
        {
            return null;
        }

        if (stream.Length > maxBytes)
        {
            refused = $"{stream.Length} bytes, more than MaxBytes ({maxBytes})";
            return null;
        }

        var data = new byte[stream.Length];
        stream.ReadExactly(data);
        return data;
    }

    /// <summary>
    /// Opens a file of the spill directory to read it, never through a symbolic link and never waiting on a FIFO: on
    /// Linux it must be a regular file of this process's user, checked before it is opened (a FIFO would block the open)
    /// and again once open (the same file, not a link put in its place meanwhile). Elsewhere only a link is refused.
    /// </summary>
    /// <returns>The file, or <see langword="null"/> and why not in <paramref name="refused"/>.</returns>
    public static FileStream? OpenToRead(string path, out string? refused)
    {
        refused = null;
        var status = UnixFileStatus.Of(path);
        if (status is { Type: not UnixFileStatus.RegularFile })
        {
            refused = $"{status.Value.TypeName}, not a regular file";
        }
        else if (status is { Owner: var owner } && owner != UnixFileStatus.CurrentUser)
        {
            refused = $"owned by user id {owner}, not by this process's user id {UnixFileStatus.CurrentUser}";
        }
        else if (status is null && new FileInfo(path).LinkTarget is not null)
        {
            refused = "a symbolic link, not a regular file";
        }

        if (refused is not null)
        {
            return null;
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (status is { } checkedStatus && UnixFileStatus.Of(stream.SafeFileHandle, path) is { } opened &&
            (opened.Device, opened.Inode) != (checkedStatus.Device, checkedStatus.Inode))
        {
            stream.Dispose();
            refused = "replaced between its check and its opening";
            return null;
        }

        return stream;
    }

    /// <summary>The path through no symbolic link of the existing directory <paramref name="path"/> (<c>realpath(3)</c>).</summary>
    private static string RealPath(string path)
    {
        var resolved = realpath(Encoding.UTF8.GetBytes(path + "\0"), IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            throw new IOException($"The path '{path}' could not be resolved (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            free(resolved);
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
    private static extern IntPtr realpath(byte[] path, IntPtr resolved);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern void free(IntPtr pointer);
#pragma warning restore SA1300, IDE1006
}
