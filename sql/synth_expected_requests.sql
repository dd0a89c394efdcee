-- synth_expected_requests: each user's expected requests in a month, in user order
-- inputs: all_users
-- outputs: a SELECT of (user_idx, expected); generate cuts users into files by its running sum
-- params: $swing
-- slots: none
-- $swing is the mean of the month-to-month lognormal swing, exp(sigma_month^2 / 2); automated
-- accounts do not swing.
SELECT
    user_idx,
    median_monthly_requests * CASE WHEN automated THEN 1.0 ELSE $swing END AS expected
FROM all_users
ORDER BY user_idx
