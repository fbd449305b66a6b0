using TradingBot.TestPostgres;

namespace TradingBot.Host.Worker.Tests;

/// <summary>A real PostgreSQL server for the process-level tests; without one, the Postgres tests fail saying why.</summary>
[SetUpFixture]
public sealed class TestServers
{
    private static PostgresServer? _postgres;
    private static Exception? _problem;

    public static PostgresServer Postgres =>
        _postgres ?? throw new InvalidOperationException(_problem?.Message ?? "the Postgres server was not started", _problem);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        try
        {
            _postgres = await PostgresServer.StartAsync();
        }
        catch (Exception exception)
        {
            _problem = exception;
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
