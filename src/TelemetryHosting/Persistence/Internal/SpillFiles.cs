namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// File operations of the spill directory: files and directories only their owner can read (spilled events hold
/// private metadata), and deletion that reports failure instead of throwing.
/// </summary>
internal static class SpillFiles
{
    /// <summary>Deletes a file, if any (an empty path is none); <see langword="false"/> when it could not be deleted.</summary>
    public static bool TryDelete(string path)
    {
        if (path.Length == 0)
        {
            return true;
        }

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

    /// <summary>Creates a directory, or restricts one that exists, to its owner.</summary>
    public static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(path, ownerOnly);

        // A directory that already existed keeps whatever mode it had: spilled events hold private metadata.
        File.SetUnixFileMode(path, ownerOnly);
    }
}
