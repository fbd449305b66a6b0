using TradingBot.Host.Worker.Verbs;

return await WorkerCommandLine.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
