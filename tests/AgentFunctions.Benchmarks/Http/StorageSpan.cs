using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Web;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// One storage request a server made, as its startup hook recorded it (<see cref="StartupHook.StorageRequestVariable"/>):
/// start and end in <see cref="Stopwatch"/> ticks, the span's name (<c>{Table|Queue} {METHOD} {table or queue}</c>) and
/// the request's URI.
/// </summary>
internal sealed partial record StorageSpan(long Start, long End, string Name, string Uri)
{
    public double Ms => Stopwatch.GetElapsedTime(Start, End).TotalMilliseconds;

    /// <summary>
    /// The storage requests the server made since the last call, asked for through the file <paramref name="request"/>
    /// (the value of <see cref="StartupHook.StorageRequestVariable"/> the server was started with).
    /// </summary>
    public static async Task<List<StorageSpan>> TakeAsync(string request)
    {
        File.Delete(request + ".spans");
        await File.WriteAllTextAsync(request, string.Empty);
        while (!File.Exists(request + ".spans"))
        {
            await Task.Delay(10);
        }

        return [.. (await File.ReadAllLinesAsync(request + ".spans")).Where(l => l.Length > 0).Select(Parse)];
    }

    /// <summary>
    /// What the request did, by its span name without the tables' <paramref name="prefix"/> and its URI: a Table request
    /// is a query (with its filter, every string literal longer than a short constant shown as <c>'…'</c> and every long integer as <c>…L</c>, and its $top), a
    /// request for one row (a point read or write), or a transaction; a row's insertion, a table's creation and a queue
    /// request are their span name.
    /// </summary>
    public string Kind(string prefix)
    {
        var name = Name.Replace(prefix, string.Empty, StringComparison.Ordinal);
        if (!Name.StartsWith("Table ", StringComparison.Ordinal) || !System.Uri.TryCreate(Uri, UriKind.Absolute, out var uri))
        {
            return name;
        }

        var segment = uri.AbsolutePath[(uri.AbsolutePath.LastIndexOf('/') + 1)..];
        if (segment == "$batch")
        {
            return name + " transaction";
        }

        if (segment.Contains("(PartitionKey=", StringComparison.Ordinal))
        {
            return name + " one row";
        }

        if (!segment.EndsWith("()", StringComparison.Ordinal))
        {
            return name;
        }

        var query = HttpUtility.ParseQueryString(uri.Query);
        var filter = query["$filter"] is { } f ? " " + Number().Replace(Literal().Replace(f, m => m.Length > 12 ? "'…'" : m.Value), "…L") : " (no filter)";
        return name + " query" + filter + (query["$top"] is { } top ? " $top=" + top : string.Empty);
    }

    private static StorageSpan Parse(string line)
    {
        var parts = line.Split(' ', 3);
        var nameAndUri = parts[2].Split('\t', 2);
        return new StorageSpan(
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            nameAndUri[0],
            nameAndUri.Length > 1 ? nameAndUri[1] : string.Empty);
    }

    [GeneratedRegex("'(?:[^']|'')*'")]
    private static partial Regex Literal();

    [GeneratedRegex(@"\b\d+L\b")]
    private static partial Regex Number();
}
