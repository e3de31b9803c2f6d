//! The names of the events `CognitoAuth` emits (the browser side is in `platform::events`).

crate::contract::listed! {
    /// The events `CognitoAuth` emits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EventName {
        /// A user signed in (here through the callback, or in another tab).
        SignedIn => "signedIn",
        /// The session ended: sign-out, or a refresh token refused for good.
        SignedOut => "signedOut",
        /// New tokens were stored.
        TokenRefresh => "tokenRefresh",
        /// A refresh attempt failed; the tokens were kept.
        TokenRefreshFailure => "tokenRefreshFailure",
        /// The redirect callback carried an error or could not be completed.
        SignInWithRedirectFailure => "signInWithRedirectFailure",
        /// New AWS credentials were stored.
        CredentialsRefresh => "credentialsRefresh",
        /// A stored value was unreadable or foreign and was discarded.
        StorageWarning => "storageWarning",
    }
    /// The JS event name.
    fn as_str;
}

impl EventName {
    /// Parses the JS event name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.as_str() == name)
    }
}
