using Crm.Engine.Cli;

return await CrmCli.InvokeAsync(args, CliContext.ForConsole()).ConfigureAwait(false);
