using Crm.Engine.Abstractions.Events;

namespace Crm.Plugins.Service;

/// <summary>A case was created (by <see cref="IServiceDeskTenant"/> or any other way). Published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="CaseNumber">Its number.</param>
/// <param name="AccountId">The customer, if any.</param>
/// <param name="Category">The category, if any.</param>
/// <param name="Priority">The priority, if any.</param>
public sealed record CaseOpened(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, string? CaseNumber, Guid? AccountId, string? Category, string? Priority) : IDomainEvent;

/// <summary>A handling plan was submitted for a case (<see cref="CaseFields.PlanSubmitted"/> became true).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="Plan">The plan text.</param>
public sealed record CasePlanSubmitted(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, string? Plan) : IDomainEvent;

/// <summary>A task activity about a case was completed.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="TaskId">The task activity.</param>
/// <param name="Subject">The task's subject.</param>
/// <param name="NotifiedUserIds">The users notified (case owner and service managers).</param>
public sealed record CaseTaskCompleted(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, Guid TaskId, string? Subject, IReadOnlyList<Guid> NotifiedUserIds) : IDomainEvent;

/// <summary>A case's SLA reached its warning point before the case was resolved (<see cref="SlaState.Warning"/>).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="SlaDueAt">When the SLA is due.</param>
public sealed record SlaWarning(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, DateTimeOffset? SlaDueAt) : IDomainEvent;

/// <summary>A case's SLA passed before the case was resolved (<see cref="SlaState.Breached"/>).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="SlaDueAt">When the SLA was due.</param>
public sealed record SlaBreached(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, DateTimeOffset? SlaDueAt) : IDomainEvent;

/// <summary>A case was resolved (status <see cref="CaseStatus.Resolved"/>, or closed without having been resolved).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CaseId">The case.</param>
/// <param name="Resolution">How it was resolved.</param>
/// <param name="SlaState">The final SLA state (<see cref="Service.SlaState.Met"/> or <see cref="Service.SlaState.Breached"/>), or <see langword="null"/> without SLA.</param>
public sealed record CaseResolved(string TenantId, DateTimeOffset OccurredAt, Guid CaseId, string? Resolution, string? SlaState) : IDomainEvent;

/// <summary>A preventive measure was approved or rejected.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="MeasureId">The measure.</param>
/// <param name="CaseId">Its case.</param>
/// <param name="Status"><see cref="MeasureStatus.Approved"/> or <see cref="MeasureStatus.Rejected"/>.</param>
/// <param name="ReviewedBy">The reviewer's user id.</param>
/// <param name="Comment">The reviewer's comment.</param>
public sealed record PreventiveMeasureReviewed(string TenantId, DateTimeOffset OccurredAt, Guid MeasureId, Guid? CaseId, string Status, Guid? ReviewedBy, string? Comment) : IDomainEvent;
