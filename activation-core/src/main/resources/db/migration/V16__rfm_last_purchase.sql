-- RFM scores keep the day of the last purchase instead of the recency in days: recency counted back from a
-- moving reference day (today) grew by one for every contact every day, so every daily recompute rewrote every
-- score. Recency is now derived when read: rfm_models.reference_day - last_purchase (the same figure as before,
-- for the day of the last computation). computed_at on a score row is when that row last changed; the time of
-- the computation is rfm_models.computed_at.
alter table rfm_scores add column last_purchase date;
update rfm_scores s set last_purchase = m.reference_day - s.recency_days from rfm_models m where m.name = s.model;
delete from rfm_scores where last_purchase is null;
alter table rfm_scores alter column last_purchase set not null;
alter table rfm_scores drop column recency_days;
