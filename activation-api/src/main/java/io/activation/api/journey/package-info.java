/**
 * REST API of journeys: scenarios ({@code /api/v1/scenarios}: drafts, versions, validation, lifecycle, migration,
 * counts, API-call triggers) and journey instances with their history ({@code /api/v1/journeys}).
 */
package io.activation.api.journey;
