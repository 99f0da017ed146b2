using MySqlHa.Replication.Servers;
using MySqlHa.Agent.Archive;
using MySqlHa.Agent.Commands;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.Jobs;
using MySqlHa.Agent.Security;
using MySqlHa.Agent.Registration;
using MySqlHa.Agent.State;
using MySqlHa.Coordination;
using MySqlHa.Replication;
using MySqlHa.Replication.Backups;
using Prometheus;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddJsonFile(builder.Configuration["config"] ?? "agent.json", optional: true);
builder.Configuration.AddEnvironmentVariables("MYSQLHA_AGENT_");

AgentSettings settings;
try
{
    settings = AgentSettings.From(builder.Configuration);
}
catch (AgentConfigurationException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
// The agent's credentials are files on its host, named by its own configuration.
builder.Services.AddServerProbe(new SecretFiles()).AddReplicationCommands();
builder.Services.AddEtcd(settings.Etcd);
builder.Services.AddSingleton<MysqldProcess>();
builder.Services.AddSingleton<StoppedMysqldKiller>();
builder.Services.AddSingleton<AgentRegistration>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<CommandJournal>();
builder.Services.AddSingleton<FencingTokens>();
builder.Services.AddSingleton<TokenAuthentication>();
builder.Services.AddScoped<CommandContext>();
if (settings.Backup.Repository is { } repository)
{
    try
    {
        builder.Services.AddSingleton<IBackupRepository>(new FileSystemBackupRepository(repository));
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        await Console.Error.WriteLineAsync($"The backup repository {repository} cannot be used: {e.Message}");
        return 2;
    }
}
builder.Services.AddSingleton<JobCleanup>();
builder.Services.AddSingleton<AgentJobs>();
builder.Services.AddSingleton<JobServices>();
builder.Services.AddHostedService(services => services.GetRequiredService<AgentRegistration>());
builder.Services.AddBinlogArchive(settings);

var app = builder.Build();
try
{
    // Read at start, so that an unusable state folder stops the agent with the reason instead of failing every command.
    app.Services.GetRequiredService<FencingTokens>();
    app.Services.GetRequiredService<CommandJournal>();
    // A job the agent was running when it stopped is marked failed and cleaned up before any request is taken.
    await app.Services.GetRequiredService<AgentJobs>().RecoverAsync(CancellationToken.None);
}
catch (Exception e) when (e is AgentStateException or IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"The agent's state folder {settings.StateDirectory} cannot be used: {e.Message}");
    return 2;
}
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpMetrics();
app.MapAgentCommands();
app.MapAgentJobs();
app.MapBinlogArchive();
app.MapMetrics("/metrics");
app.MapGet("/healthz", (AgentRegistration registration) => registration.LastHealth is { } health
    ? Results.Json(health, statusCode: health.MysqldUp ? 200 : 503)
    : Results.Problem(statusCode: 503, title: "The agent has not checked its mysqld yet."));
await app.RunAsync();
return 0;
