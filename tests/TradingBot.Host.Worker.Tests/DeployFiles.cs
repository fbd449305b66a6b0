using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using TradingBot.Host.Worker.Composition;
using TradingBot.Host.Worker.Verbs;
using YamlDotNet.RepresentationModel;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// What can be checked of deploy/ without systemd or Docker (neither runs here): the files parse, every setting they
/// give is one the worker knows, every path and name they rely on exists, and the single-file build starts.
/// </summary>
[TestFixture]
public sealed class DeployFiles
{
    private static readonly string Root = FindRoot();
    private static readonly string[] ConnectionStrings = ["Ledger", "LedgerDirect", "LedgerReadOnly", "CopyTarget"];

    [Test]
    public void The_systemd_unit_runs_the_published_file_with_settings_the_worker_knows()
    {
        var unit = SystemdUnit(File.ReadAllLines(Path.Combine(Root, "deploy", "tradingbot.service")));
        var service = unit["Service"];
        var environment = service.Where(e => e.Key == "Environment").Select(e => Assignment(e.Value)).ToList();
        var exec = service.Single(e => e.Key == "ExecStart").Value.Split(' ');

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unit.Keys, Is.EquivalentTo((string[])["Unit", "Service", "Install"]));
            Assert.That(Path.GetFileName(exec[0]), Is.EqualTo(PublishedExecutable()), "ExecStart runs what the publish profile writes");
            Assert.That(exec[1..], Is.EqualTo((string[])["run"]));
            Assert.That(Single(service, "Type"), Is.EqualTo("notify"), "the host tells systemd when it is ready (AddSystemd)");
            Assert.That(UnknownSettings(environment), Is.Empty);
            Assert.That(Single(service, "RestartPreventExitStatus").Split(' ').Select(int.Parse), Is.EquivalentTo(new[] { WorkerCommandLine.ConfigurationError, WorkerCommandLine.CopyInTheWay }));
            Assert.That(TimeSpan.FromSeconds(int.Parse(Single(service, "TimeoutStopSec"), System.Globalization.CultureInfo.InvariantCulture)), Is.GreaterThan(WorkerHost.ShutdownTimeout), "systemd waits longer than the host's own stop");
            Assert.That(environment.Single(e => e.Key == "ConnectionStrings__Ledger").Value, Does.Contain("/var/lib/" + Single(service, "StateDirectory") + "/"), "the ledger lives in the unit's state directory");
            Assert.That(Single(service, "ProtectHome"), Is.EqualTo("true"));
            Assert.That(
                environment.Single(e => e.Key == "DOTNET_BUNDLE_EXTRACT_BASE_DIR").Value,
                Is.EqualTo("/var/cache/" + Single(service, "CacheDirectory")),
                "the single file unpacks its native libraries under $HOME, which the service user lacks; a cache directory instead");
            Assert.That(XDocument.Load(ProfilePath()).Descendants("IncludeNativeLibrariesForSelfExtract").Single().Value, Is.EqualTo("true"), "why the unit needs the extraction directory");
        }
    }

    [Test]
    public void The_environment_example_names_only_settings_the_worker_knows()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "deploy", "tradingbot.env.example"))
            .Select(l => l.TrimStart('#', ' '))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.Contains(' ', StringComparison.Ordinal) && char.IsUpper(l[0]));

        Assert.That(UnknownSettings(lines.Select(Assignment).DistinctBy(e => e.Key).ToList()), Is.Empty);
    }

    [Test]
    public void The_compose_file_runs_the_worker_on_postgres_with_settings_the_worker_knows_and_probes_its_liveness()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Root, "deploy", "compose.yaml")))
        {
            yaml.Load(reader);
        }

        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        var worker = (YamlMappingNode)services["worker"];
        var postgres = (YamlMappingNode)services["postgres"];
        var environment = ((YamlMappingNode)worker["environment"]).Children.Select(c => new KeyValuePair<string, string>(c.Key.ToString(), c.Value.ToString())).ToList();
        var build = (YamlMappingNode)worker["build"];
        var context = Path.GetFullPath(Path.Combine(Root, "deploy", build["context"].ToString()));
        var health = new Uri(environment.Single(e => e.Key == "Worker__HealthUrl").Value);
        var probe = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)worker["healthcheck"])["test"]).Children.Select(c => c.ToString()));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(UnknownSettings(environment), Is.Empty);
            Assert.That(environment.Single(e => e.Key == "Ledger__Provider").Value, Is.EqualTo("Postgres"));
            Assert.That(environment.Single(e => e.Key == "ConnectionStrings__Ledger").Value, Does.StartWith("Host=postgres;"), "the worker reaches the database by its service name");
            Assert.That(File.Exists(Path.Combine(context, "TradingBot.sln")), Is.True, "the build context is the repository");
            Assert.That(File.Exists(Path.Combine(context, build["dockerfile"].ToString())), Is.True);
            Assert.That(postgres["image"].ToString(), Is.EqualTo("postgres:15"), "the major version the tests run against");
            Assert.That(((YamlSequenceNode)worker["ports"]).Children.Single().ToString(), Does.EndWith($":{health.Port}"));
            Assert.That(probe, Does.Contain($"/dev/tcp/127.0.0.1/{health.Port}").And.Contain("GET /health/live"));
            Assert.That(TimeSpan.FromSeconds(int.Parse(worker["stop_grace_period"].ToString().TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)), Is.GreaterThan(WorkerHost.ShutdownTimeout));
            Assert.That(((YamlMappingNode)((YamlMappingNode)worker["depends_on"])["postgres"])["condition"].ToString(), Is.EqualTo("service_healthy"), "the worker starts once Postgres answers");
        }
    }

    [TestCase(".gitignore")]
    [TestCase(".dockerignore")]
    public void The_files_that_hold_deploy_secrets_are_never_committed_nor_sent_to_a_docker_build(string ignoreFile)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, ignoreFile));

        Assert.That(lines, Does.Contain("deploy/.env").And.Contain("deploy/tradingbot.env"));
    }

    [Test]
    public void The_dockerfile_publishes_with_the_profile_and_copies_what_it_writes()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "deploy", "Dockerfile"));
        var publish = lines.Single(l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal));
        var copy = lines.Single(l => l.StartsWith("COPY --from=build", StringComparison.Ordinal)).Split(' ')[2];
        var entrypoint = lines.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(publish, Does.Contain("-p:PublishProfile=" + Path.GetFileNameWithoutExtension(ProfilePath())));
            Assert.That(copy, Is.EqualTo("/src/Host.Worker/" + PublishDirectory()));
            Assert.That(entrypoint, Does.Contain("/app/" + PublishedExecutable()));
        }
    }

    [Test]
    public async Task The_single_file_build_starts_and_answers_help()
    {
        var output = Directory.CreateTempSubdirectory("tradingbot-publish-").FullName;
        try
        {
            // The analyzers ran on these sources in the build being tested; here they would only add a third to the publish.
            var publish = await RunAsync("dotnet", Root, "publish", "Host.Worker", "-p:PublishProfile=linux-x64", "-p:RunAnalyzers=false", "-o", output);
            Assert.That(publish.ExitCode, Is.Zero, publish.Output);
            var files = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
            var help = await RunAsync(Path.Combine(output, PublishedExecutable()), output, "--help");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(files, Is.EquivalentTo(new[] { PublishedExecutable(), "appsettings.json" }), "one file and its settings");
                Assert.That(help.ExitCode, Is.Zero, help.Output);
                Assert.That(help.Output, Does.Contain("run").And.Contain("copy-ledger").And.Contain("verify"));
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    // Every key (Section__Key, as systemd and compose give it) that the worker would refuse or ignore.
    private static List<string> UnknownSettings(IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var keys = environment.Select(e => e.Key.Replace("__", ":", StringComparison.Ordinal)).ToList();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys.Select(k => new KeyValuePair<string, string?>(k, "x"))).Build();
        var unknown = HostSettings.Problems(configuration).Where(p => p.Contains("is not a setting of this worker", StringComparison.Ordinal)).ToList();
        unknown.AddRange(keys.Where(k => !HostSettings.Sections.Any(s => k.StartsWith(s + ":", StringComparison.Ordinal))
            && !ConnectionStrings.Any(c => k == "ConnectionStrings:" + c)
            && !k.StartsWith("OTEL_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_", StringComparison.Ordinal)));
        return unknown;
    }

    private static KeyValuePair<string, string> Assignment(string text)
    {
        var unquoted = text.Length > 1 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
        Assert.That(text[0] == '"' || !text.Contains(' ', StringComparison.Ordinal), Is.True, $"systemd splits the unquoted assignment at its spaces: {text}");
        var equals = unquoted.IndexOf('=', StringComparison.Ordinal);
        return new KeyValuePair<string, string>(unquoted[..equals], unquoted[(equals + 1)..]);
    }

    private static Dictionary<string, List<KeyValuePair<string, string>>> SystemdUnit(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, List<KeyValuePair<string, string>>>(StringComparer.Ordinal);
        List<KeyValuePair<string, string>>? current = null;
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';')))
        {
            if (line[0] == '[')
            {
                Assert.That(line, Does.EndWith("]"), line);
                current = sections[line[1..^1]] = [];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.That(current is not null && equals > 0, Is.True, $"not a key=value line in a section: {line}");
            current!.Add(new KeyValuePair<string, string>(line[..equals], line[(equals + 1)..]));
        }

        return sections;
    }

    private static string Single(List<KeyValuePair<string, string>> section, string key) => section.Single(e => e.Key == key).Value;

    private static string ProfilePath() => Path.Combine(Root, "Host.Worker", "Properties", "PublishProfiles", "linux-x64.pubxml");

    // The profile's PublishDir, relative to the project: bin/publish/linux-x64/.
    private static string PublishDirectory() =>
        XDocument.Load(ProfilePath()).Descendants("PublishDir").Single().Value.Replace("$(MSBuildProjectDirectory)/", string.Empty, StringComparison.Ordinal);

    private static string PublishedExecutable() => Path.GetFileNameWithoutExtension(typeof(WorkerCommandLine).Assembly.Location);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TradingBot.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (TradingBot.sln) was not found above " + AppContext.BaseDirectory);
    }
}
