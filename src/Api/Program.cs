using MySqlHa.Api.Audit;
using MySqlHa.Api.Backups;
using MySqlHa.Api.Clusters;
using MySqlHa.Api.WebConsole;
using MySqlHa.Api.Health;
using MySqlHa.Api.Operations;
using MySqlHa.Api.Hosting;
using MySqlHa.Api.Security;
using MySqlHa.Api.Security.ApiKeys;
using MySqlHa.Api.Webhooks;
using JasperFx;
using Prometheus;

var builder = WebApplication.CreateBuilder(args);
var settings = MySqlHaSettings.From(builder.Configuration);

builder.AddMySqlHaServices(settings);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSwagger();
app.UseSwaggerUI();
app.UseHttpMetrics();
app.UseConsole();
app.UseMySqlHaAuthentication();

app.MapHealth(settings.Auth.AnonymousHealth);
var metrics = app.MapMetrics("/metrics");
if (settings.Auth.AnonymousMetrics) metrics.AllowAnonymous();
app.MapApiKeys();
app.MapCaller();
app.MapClusters();
app.MapInstances();
app.MapTopology();
app.MapSwitchover();
app.MapFailover();
app.MapSemiSync();
app.MapOperations();
app.MapOperationRelease();
app.MapWebhooks();
app.MapEvents();
app.MapBackups();
app.MapBackupPolicy();
app.MapRestores();
app.MapVerifications();
app.MapRejoins();

return await app.RunJasperFxCommands(args);

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
