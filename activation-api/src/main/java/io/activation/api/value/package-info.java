/** REST API of customer value: RFM models, behaviour scores, interest profiles and the secondary profile. */
package io.activation.api.value;
