namespace TradingBot.Infrastructure.Sqlite;

/// <summary>
/// The one path of a SQLite ledger file, however its connection string names it: a <c>file:</c> URI or a plain path,
/// relative (to a base folder: the host's content root, never the working directory when the host says so) or
/// absolute, through symbolic links. Two spellings of one file give one path, so one lock.
/// </summary>
public static class SqliteLedgerPath
{
    private const int MostLinks = 40;

    /// <summary>
    /// The canonical absolute path of <paramref name="dataSource"/>: a <c>file:</c> URI's path, made absolute against
    /// <paramref name="baseDirectory"/> (the current directory when null), with every symbolic link of the part that
    /// exists resolved. Throws <see cref="ArgumentException"/> for a URI with parameters (cache, mode, nolock...): the
    /// ledger decides how its file is opened.
    /// </summary>
    public static string Canonical(string dataSource, string? baseDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataSource);
        var path = dataSource;
        if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            path = path[5..];
            if (path.IndexOfAny(['?', '#']) >= 0)
            {
                throw new ArgumentException($"the SQLite ledger file '{dataSource}' is a URI with parameters; name the file alone (e.g. 'Data Source=data/ledger.db')", nameof(dataSource));
            }

            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                // file://host/path: only the empty or "localhost" host names a local file.
                var slash = path.IndexOf('/', 2);
                var host = slash < 0 ? path[2..] : path[2..slash];
                if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"the SQLite ledger file '{dataSource}' names another host; the ledger is a local file", nameof(dataSource));
                }

                path = slash < 0 ? "/" : path[slash..];
            }

            path = Uri.UnescapeDataString(path);
        }

        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path));
        return ResolveLinks(full, 0);
    }

    // Walks the path from its root, replacing every component that is a symbolic link by its final target (itself resolved).
    private static string ResolveLinks(string fullPath, int depth)
    {
        if (depth > MostLinks)
        {
            throw new IOException($"too many levels of symbolic links in '{fullPath}'");
        }

        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                next = ResolveLinks(Path.GetFullPath(target.FullName), depth + 1);
            }
            else if (!info.Exists)
            {
                // Nothing below a missing component can be a link: the rest is taken as written.
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }

            current = next;
        }

        return current;
    }
}
