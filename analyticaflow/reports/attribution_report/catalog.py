"""What each of the engine's models does, in the words the API and the pages show."""

from __future__ import annotations

MODEL_TEXT: dict[str, tuple[str, str]] = {
    "first_touch": ("First touch", "The first touchpoint in the lookback window gets the whole conversion."),
    "last_touch": ("Last touch", "The last touchpoint before the conversion gets the whole conversion."),
    "last_non_direct": ("Last non-direct", "The last touchpoint that is not direct (direct only if all are)."),
    "linear": ("Linear", "Every touchpoint gets an equal share."),
    "time_decay": ("Time decay", "Shares halve with every half-life of age before the conversion (2^(-age/half-life)), "
                                 "normalized per conversion."),
    "position_based": ("Position based", "40 % to the first and the last touchpoint, 20 % split over the middle ones; "
                                         "one touchpoint 100 %, two 50/50."),
    "markov": ("Markov chain", "Removal effect of each channel in a first-order Markov chain over converting and "
                               "non-converting paths, solved exactly, normalized to the conversions and value."),
    "shapley": ("Shapley value", "Each channel's Shapley value in the game of which channel sets produce the "
                                 "conversions (exact)."),
}
