;;; hypencoder.el --- Search your files with a local hypencoderd  -*- lexical-binding: t; -*-

;; Copyright (c) 2026 The hypencoderd contributors

;; Author: The hypencoderd contributors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: matching, tools, files
;; SPDX-License-Identifier: MIT

;; This file is not part of GNU Emacs.

;;; Commentary:

;; An Emacs client of `hypencoderd', the local Hypencoder search daemon.  It talks
;; JSON-RPC 2.0 to the daemon's Unix socket with the built-in `jsonrpc' library (the
;; daemon speaks the LSP Content-Length framing to it).
;;
;; Commands:
;;
;;   M-x hypencoder-index   index a directory as a workspace (the project root, or
;;                          `default-directory'; with a prefix argument, ask).  Runs in
;;                          the background, shows progress, ends with a summary.
;;   M-x hypencoder-search  search the workspace containing the current file (or
;;                          `default-directory'); the passages found are listed best
;;                          first in the *hypencoder* buffer, in `grep-mode', as
;;                          FILE:LINE: first line of the passage.  A new search
;;                          cancels one still running.
;;   M-x hypencoder-cancel  cancel the running search and indexing requests.
;;   M-x hypencoder-mode    a global minor mode that re-indexes each file you save.
;;
;; The socket is `hypencoder-socket' if set, else $HYPENCODER_SOCKET, else the daemon's
;; default ($XDG_RUNTIME_DIR/hypencoder.sock, /run/hypencoder/hypencoder.sock as root,
;; /tmp/hypencoder-$UID.sock).  See Clients/emacs/README.md and Docs/protocol.md.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'grep)
(require 'project)
(require 'seq)
(require 'subr-x)

;;;; Customization

(defgroup hypencoder nil
  "Neural search of your files through a local `hypencoderd'."
  :group 'tools
  :prefix "hypencoder-")

(defcustom hypencoder-socket nil
  "Unix socket of the `hypencoderd' daemon.
When nil, use $HYPENCODER_SOCKET, else the daemon's default path:
$XDG_RUNTIME_DIR/hypencoder.sock, else /run/hypencoder/hypencoder.sock
for root, else /tmp/hypencoder-$UID.sock."
  :type '(choice (const :tag "$HYPENCODER_SOCKET or the daemon's default" nil)
                 (file :tag "Socket path"))
  :group 'hypencoder)

(defcustom hypencoder-result-count 20
  "How many passages `hypencoder-search' asks for."
  :type 'natnum
  :group 'hypencoder)

(defcustom hypencoder-search-timeout 60
  "Seconds to wait for a search before giving up, or nil to wait forever."
  :type '(choice (const :tag "No timeout" nil) number)
  :group 'hypencoder)

(defcustom hypencoder-index-timeout nil
  "Seconds to wait for `hypencoder-index' to finish, or nil to wait forever."
  :type '(choice (const :tag "No timeout" nil) number)
  :group 'hypencoder)

(defcustom hypencoder-events-buffer-size 200000
  "Characters of JSON-RPC traffic kept in the *hypencoder events* buffer.
0 keeps none, nil keeps everything.  Takes effect on the next connection."
  :type '(choice (const :tag "Unlimited" nil) natnum)
  :group 'hypencoder)

(defcustom hypencoder-search-functions nil
  "Functions called when a search ends, with arguments (ID STATUS DATA).
ID is the JSON-RPC id of the `search' request.  STATUS is `done' (DATA is
the result), `cancelled' (the daemon stopped it, DATA is the error),
`superseded' (a newer search replaced it before its answer came; DATA is
the ignored result), `failed' (DATA is the error object) or `timeout'."
  :type 'hook
  :group 'hypencoder)

(defcustom hypencoder-index-functions nil
  "Functions called when `hypencoder-index' ends, with (ROOT STATUS DATA).
STATUS is `done' (DATA is the `workspace/index' result), `cancelled',
`failed' (DATA is the error object) or `timeout'."
  :type 'hook
  :group 'hypencoder)

(defcustom hypencoder-update-functions nil
  "Functions called when a save's re-indexing ends, with (FILE STATUS DATA).
STATUS is `done' (DATA is the `workspace/update' result) or `failed'."
  :type 'hook
  :group 'hypencoder)

(defcustom hypencoder-progress-functions nil
  "Functions called with (TOKEN VALUE) for each `$/progress' notification.
VALUE is the notification's value, a plist with :kind and maybe :title,
:message and :percentage."
  :type 'hook
  :group 'hypencoder)

;;;; Connection

(defconst hypencoder--request-cancelled -32800
  "JSON-RPC error code of a cancelled request.")

(defvar hypencoder--connection nil
  "The `jsonrpc-process-connection' to the daemon, or nil.")

(defvar hypencoder--progress (make-hash-table :test #'equal)
  "Running requests that report progress, by `workDoneToken'.
Each value is a plist (:root ROOT :reporter REPORTER); the reporter is
made when the daemon's `begin' notification comes.")

(defvar hypencoder--token-counter 0
  "Counter making `workDoneToken's unique.")

(defun hypencoder-socket-path ()
  "The socket `hypencoder' connects to; see `hypencoder-socket'."
  (let ((chosen (getenv "HYPENCODER_SOCKET"))
        (runtime (getenv "XDG_RUNTIME_DIR")))
    (cond ((and hypencoder-socket (not (string-empty-p hypencoder-socket)))
           (expand-file-name hypencoder-socket))
          ((and chosen (not (string-empty-p chosen))) chosen)
          ((and runtime (not (string-empty-p runtime)))
           (concat (file-name-as-directory runtime) "hypencoder.sock"))
          ((zerop (user-uid)) "/run/hypencoder/hypencoder.sock")
          (t (format "/tmp/hypencoder-%d.sock" (user-uid))))))

(defun hypencoder--dispatch-notification (_connection method params)
  "Handle a notification METHOD with PARAMS from the daemon."
  (when (eq method '$/progress)
    (let* ((token (plist-get params :token))
           (value (plist-get params :value))
           (kind (plist-get value :kind))
           (percentage (plist-get value :percentage))
           (progress (gethash token hypencoder--progress)))
      (run-hook-with-args 'hypencoder-progress-functions token value)
      (when progress
        (pcase kind
          ("begin"
           (plist-put progress :reporter
                      (make-progress-reporter
                       (format "Hypencoder: indexing %s..."
                               (abbreviate-file-name (plist-get progress :root)))
                       0 100)))
          ("report"
           (when-let ((reporter (plist-get progress :reporter)))
             (progress-reporter-update reporter (if (numberp percentage) percentage 0)
                                       (when-let ((text (plist-get value :message)))
                                         (format " (%s)" text))))))))))

(defun hypencoder--connection-closed (connection)
  "Forget CONNECTION once its socket is closed."
  (when (eq connection hypencoder--connection)
    (setq hypencoder--connection nil)))

(defun hypencoder--os-reason (failure)
  "The system's reason in the `file-error' FAILURE of a connection attempt."
  ;; The data are the operation, then the system's message ("Connection refused"),
  ;; then the process's arguments.
  (let ((reason (nth 2 failure)))
    (if (stringp reason) reason (error-message-string failure))))

(defun hypencoder--connect ()
  "Return a live connection to the daemon, connecting if need be.
Signal a `user-error' when no daemon answers on the socket."
  (if (and hypencoder--connection (jsonrpc-running-p hypencoder--connection))
      hypencoder--connection
    (let* ((socket (hypencoder-socket-path))
           (process
            (condition-case failure
                (make-network-process
                 :name "hypencoder" :family 'local :service socket
                 :coding 'utf-8-emacs-unix :noquery t)
              (file-error
               (user-error "Hypencoder: no daemon answers at %s (%s); start `hypencoderd' \
or set `hypencoder-socket' or $HYPENCODER_SOCKET"
                           socket (hypencoder--os-reason failure))))))
      (setq hypencoder--connection (hypencoder--make-connection process)))))

(defun hypencoder--make-connection (process)
  "Wrap the network PROCESS in a `jsonrpc-process-connection'."
  (let ((initargs (list :name "hypencoder"
                        :process process
                        :notification-dispatcher #'hypencoder--dispatch-notification
                        :on-shutdown #'hypencoder--connection-closed)))
    ;; jsonrpc 1.0.21 and later (Emacs 30, GNU ELPA) take `:events-buffer-config' and
    ;; deprecate `:events-buffer-scrollback-size', the only one Emacs 28 and 29 know.
    (condition-case nil
        (apply #'make-instance 'jsonrpc-process-connection
               :events-buffer-config (list :size hypencoder-events-buffer-size)
               initargs)
      (invalid-slot-name
       (apply #'make-instance 'jsonrpc-process-connection
              :events-buffer-scrollback-size hypencoder-events-buffer-size
              initargs)))))

(cl-defun hypencoder--request (connection method params &key success error timeout)
  "Send METHOD with PARAMS on CONNECTION; return the request's id.
SUCCESS is called with the result, ERROR with the error object (a plist
with :code and :message), or with (:code timeout) after TIMEOUT seconds."
  (let ((sent (jsonrpc-async-request
               connection method params
               :success-fn success
               :error-fn error
               :timeout-fn (lambda ()
                             (funcall error (list :code 'timeout :message "timed out")))
               :timeout timeout)))
    ;; The id is needed for `$/cancelRequest'.  Newer jsonrpc versions return (ID ...);
    ;; the one in Emacs 28 and 29 returns nil, but the request took its id from the
    ;; connection's counter, which still holds it.
    (if (integerp (car-safe sent))
        (car sent)
      (jsonrpc--next-request-id connection))))

(defun hypencoder--cancel-request (connection id)
  "Ask the daemon to cancel request ID sent on CONNECTION."
  (when (jsonrpc-running-p connection)
    (jsonrpc-notify connection :$/cancelRequest (list :id id))))

(defun hypencoder--next-token (what)
  "A new `workDoneToken' for a request doing WHAT."
  (format "hypencoder-%s-%d-%d" what (emacs-pid) (cl-incf hypencoder--token-counter)))

(defun hypencoder--error-text (error)
  "A one-line description of the JSON-RPC ERROR object."
  (let ((code (plist-get error :code))
        (message (plist-get error :message)))
    (if (eq code 'timeout) "no answer in time"
      (format "%s (%s)" (or message "error") code))))

(defun hypencoder--path (file)
  "FILE (a file or directory) as an absolute path for the daemon."
  (directory-file-name (file-truename (expand-file-name file))))

;;;; Indexing

(defvar hypencoder--index-requests nil
  "Running `workspace/index' requests: a list of (CONNECTION ID ROOT).")

(defun hypencoder--default-root ()
  "The directory `hypencoder-index' indexes when not told: the project root."
  (if-let ((project (project-current)))
      (project-root project)
    default-directory))

(defun hypencoder--count (object &rest keys)
  "The number at KEYS in the plist OBJECT, or 0."
  (let ((value object))
    (dolist (key keys) (setq value (plist-get value key)))
    (if (numberp value) value 0)))

(defun hypencoder--index-summary (root result)
  "A one-line summary of the `workspace/index' RESULT for ROOT."
  (let ((skipped (plist-get result :skipped))
        (skipped-total 0))
    (cl-loop for (_key value) on skipped by #'cddr
             when (numberp value) do (cl-incf skipped-total value))
    (format "Hypencoder: indexed %s: %d files indexed, %d unchanged, %d removed; \
%d passages added, %d removed; %d skipped (%.1f s)"
            (abbreviate-file-name root)
            (hypencoder--count result :files :indexed)
            (hypencoder--count result :files :unchanged)
            (hypencoder--count result :files :removed)
            (hypencoder--count result :passages :added)
            (hypencoder--count result :passages :removed)
            skipped-total
            (/ (hypencoder--count result :elapsedMs) 1000.0))))

;;;###autoload
(defun hypencoder-index (directory)
  "Index DIRECTORY as a Hypencoder workspace, in the background.
Interactively, DIRECTORY is the current project's root (or
`default-directory'); with a prefix argument, ask for it.  Files
indexed before stay indexed; only changed files are read again.
Progress shows in the echo area and a summary at the end.  Return
the request's id."
  (interactive
   (list (if current-prefix-arg
             (read-directory-name "Index directory: " (hypencoder--default-root) nil t)
           (hypencoder--default-root))))
  (unless (file-directory-p directory)
    (user-error "Hypencoder: %s is not a directory" directory))
  (let* ((connection (hypencoder--connect))
         (root (hypencoder--path directory))
         (token (hypencoder--next-token "index"))
         (entry nil)
         (finish
          (lambda (status data)
            (setq hypencoder--index-requests (delq entry hypencoder--index-requests))
            (let ((reporter (plist-get (gethash token hypencoder--progress) :reporter)))
              (remhash token hypencoder--progress)
              (when (and reporter (eq status 'done))
                (progress-reporter-done reporter)))
            (pcase status
              ('done (message "%s" (hypencoder--index-summary root data)))
              ('cancelled (message "Hypencoder: indexing %s cancelled" root))
              (_ (message "Hypencoder: indexing %s failed: %s"
                          root (hypencoder--error-text data))))
            (run-hook-with-args 'hypencoder-index-functions root status data)))
         id)
    (puthash token (list :root root :reporter nil) hypencoder--progress)
    (setq id (hypencoder--request
              connection :workspace/index (list :root root :workDoneToken token)
              :timeout hypencoder-index-timeout
              :success (lambda (result) (funcall finish 'done result))
              :error (lambda (error)
                       (funcall finish
                                (cond ((eql (plist-get error :code) hypencoder--request-cancelled)
                                       'cancelled)
                                      ((eq (plist-get error :code) 'timeout) 'timeout)
                                      (t 'failed))
                                error))))
    (setq entry (list connection id root))
    (push entry hypencoder--index-requests)
    id))

;;;; Searching

(defvar hypencoder-search-history nil
  "Queries given to `hypencoder-search'.")

(defvar hypencoder--search nil
  "The running search: a list (CONNECTION ID), or nil.")

(defvar-local hypencoder-query nil
  "In the *hypencoder* buffer, the query of the results shown.")

(defvar-local hypencoder-search-path nil
  "In the *hypencoder* buffer, the path whose workspace was searched.")

(defvar-local hypencoder-results nil
  "In the *hypencoder* buffer, the hits of the search: a vector of plists.
Each has :id, :score, :text, :path, :line and :endLine as the daemon
sent them.")

(defvar hypencoder-results-map
  (let ((map (make-sparse-keymap)))
    (set-keymap-parent map grep-mode-map)
    (define-key map "g" #'hypencoder-search-again)
    map)
  "Keymap of the *hypencoder* buffer: `grep-mode-map', `g' searching again.")

(defun hypencoder--snippet (text)
  "Return (OFFSET . LINE): the first non-blank line of TEXT, OFFSET lines down."
  (let ((lines (split-string (or text "") "\n"))
        (offset 0))
    (while (and lines (string-blank-p (car lines)))
      (setq lines (cdr lines) offset (1+ offset)))
    (if lines (cons offset (string-trim (car lines))) (cons 0 ""))))

(defun hypencoder--display-name (path)
  "PATH as shown in the results: relative to `default-directory' when inside."
  (if (file-in-directory-p path default-directory)
      (file-relative-name path default-directory)
    (abbreviate-file-name path)))

(defun hypencoder--results-buffer (query path)
  "Prepare the *hypencoder* buffer for the results of QUERY in PATH's workspace."
  (let ((buffer (get-buffer-create "*hypencoder*"))
        (directory (file-name-as-directory
                    (if (file-directory-p path) path (file-name-directory path)))))
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (erase-buffer)
        (grep-mode)
        (use-local-map hypencoder-results-map)
        (setq default-directory directory
              hypencoder-query query
              hypencoder-search-path path
              hypencoder-results nil)
        (insert (format "-*- mode: grep; default-directory: %S -*-\n"
                        (abbreviate-file-name directory))
                (format "Hypencoder search for %S in the workspace of %s\n\n"
                        query (abbreviate-file-name path)))))
    ;; Like `compilation-start': `next-error' now walks these results.
    (setq next-error-last-buffer buffer)
    buffer))

(defun hypencoder--show-results (buffer result)
  "Fill BUFFER with the hits of the `search' RESULT, best first."
  (with-current-buffer buffer
    (let ((inhibit-read-only t)
          (hits (or (plist-get result :results) [])))
      (setq hypencoder-results hits)
      (goto-char (point-max))
      (seq-doseq (hit hits)
        (let* ((snippet (hypencoder--snippet (plist-get hit :text)))
               (path (plist-get hit :path))
               (line (plist-get hit :line)))
          (insert (if (and (stringp path) (integerp line))
                      (format "%s:%d: %s\n" (hypencoder--display-name path)
                              (+ line (car snippet)) (cdr snippet))
                    ;; A passage not from a file: its id, no location.
                    (format "%s: %s\n" (plist-get hit :id) (cdr snippet))))))
      (insert (format "\nHypencoder finished with %d result%s (%s passages scored, %s ms)\n"
                      (length hits) (if (= (length hits) 1) "" "s")
                      (or (plist-get result :documentsScored) "?")
                      (let ((ms (plist-get result :elapsedMs)))
                        (if (numberp ms) (format "%.1f" ms) "?"))))
      (goto-char (point-min)))))

(defun hypencoder--show-failure (buffer error)
  "Write the search's ERROR at the end of BUFFER."
  (with-current-buffer buffer
    (let ((inhibit-read-only t)
          (data-path (plist-get (plist-get error :data) :path)))
      (goto-char (point-max))
      (insert (format "Hypencoder search failed: %s\n" (hypencoder--error-text error)))
      (when (equal data-path "params.workspace")
        (insert "Index the directory first: M-x hypencoder-index\n")))))

(defun hypencoder--cancel-search ()
  "Cancel the running search, if any."
  (when hypencoder--search
    (apply #'hypencoder--cancel-request hypencoder--search)
    (setq hypencoder--search nil)))

(defun hypencoder--default-query ()
  "The region's text or the symbol at point, as a default query."
  (if (use-region-p)
      (buffer-substring-no-properties (region-beginning) (region-end))
    (thing-at-point 'symbol t)))

;;;###autoload
(defun hypencoder-search (query &optional path)
  "Search the workspace containing PATH for QUERY; list the passages found.
PATH defaults to the current file, else `default-directory'; its workspace
must have been indexed (`hypencoder-index').  The results go to the
*hypencoder* buffer, in `grep-mode', best first, one FILE:LINE: line per
passage (its first non-blank line).  A search still running is cancelled.
Return the request's id."
  (interactive
   (let ((default (hypencoder--default-query)))
     (list (read-string (format-prompt "Hypencoder search" default)
                        nil 'hypencoder-search-history default))))
  (when (string-blank-p (or query ""))
    (user-error "Hypencoder: nothing to search for"))
  (let* ((connection (hypencoder--connect))
         (path (hypencoder--path (or path buffer-file-name default-directory)))
         (buffer (hypencoder--results-buffer query path))
         id)
    (hypencoder--cancel-search)
    (let ((current (lambda () (and hypencoder--search (eql (cadr hypencoder--search) id)))))
      (setq id (hypencoder--request
                connection :search
                (list :query query :workspace path :k hypencoder-result-count
                      :include ["text"])
                :timeout hypencoder-search-timeout
                :success
                (lambda (result)
                  (if (not (funcall current))
                      (run-hook-with-args 'hypencoder-search-functions id 'superseded result)
                    (setq hypencoder--search nil)
                    (when (buffer-live-p buffer)
                      (hypencoder--show-results buffer result))
                    (message "Hypencoder: %d results for %S"
                             (length (plist-get result :results)) query)
                    (run-hook-with-args 'hypencoder-search-functions id 'done result)))
                :error
                (lambda (error)
                  (let ((code (plist-get error :code)))
                    (cond ((eql code hypencoder--request-cancelled)
                           (run-hook-with-args 'hypencoder-search-functions id 'cancelled error))
                          ((not (funcall current))
                           (run-hook-with-args 'hypencoder-search-functions id 'superseded error))
                          (t
                           (setq hypencoder--search nil)
                           (when (buffer-live-p buffer)
                             (hypencoder--show-failure buffer error))
                           (message "Hypencoder: search failed: %s%s"
                                    (hypencoder--error-text error)
                                    (if (equal (plist-get (plist-get error :data) :path)
                                               "params.workspace")
                                        "; index it first with M-x hypencoder-index"
                                      ""))
                           (run-hook-with-args 'hypencoder-search-functions id
                                               (if (eq code 'timeout) 'timeout 'failed)
                                               error))))))))
    (setq hypencoder--search (list connection id))
    (display-buffer buffer)
    id))

(defun hypencoder-search-again ()
  "Run the search of the *hypencoder* buffer again."
  (interactive)
  (unless hypencoder-query
    (user-error "Hypencoder: no search to repeat here"))
  (hypencoder-search hypencoder-query hypencoder-search-path))

;;;###autoload
(defun hypencoder-cancel ()
  "Cancel the running Hypencoder search and indexing requests."
  (interactive)
  (let ((count (+ (if hypencoder--search 1 0) (length hypencoder--index-requests))))
    (hypencoder--cancel-search)
    (dolist (entry hypencoder--index-requests)
      (hypencoder--cancel-request (nth 0 entry) (nth 1 entry)))
    (message "Hypencoder: cancelling %d request%s" count (if (= count 1) "" "s"))))

;;;; Re-indexing on save

(defun hypencoder--after-save ()
  "Ask the daemon to re-index the file just saved (`after-save-hook')."
  (when buffer-file-name
    (let ((file (hypencoder--path buffer-file-name)))
      (condition-case failure
          (hypencoder--request
           (hypencoder--connect) :workspace/update (list :paths (vector file))
           :timeout hypencoder-index-timeout
           :success (lambda (result)
                      (run-hook-with-args 'hypencoder-update-functions file 'done result))
           :error (lambda (error)
                    (message "Hypencoder: re-indexing %s failed: %s"
                             file (hypencoder--error-text error))
                    (run-hook-with-args 'hypencoder-update-functions file 'failed error)))
        ;; Never break saving: no daemon is worth a message, not an error.
        (user-error
         (message "Hypencoder: %s not re-indexed: %s"
                  (file-name-nondirectory file) (error-message-string failure))
         (run-hook-with-args 'hypencoder-update-functions file 'failed
                             (list :message (error-message-string failure))))))))

;;;###autoload
(define-minor-mode hypencoder-mode
  "Re-index each file you save in an indexed Hypencoder workspace.
A global minor mode: after every save, the file is sent to the daemon's
`workspace/update', which re-reads it if it lies in a workspace indexed
with `hypencoder-index' and ignores it otherwise."
  :global t
  :group 'hypencoder
  (if hypencoder-mode
      (add-hook 'after-save-hook #'hypencoder--after-save)
    (remove-hook 'after-save-hook #'hypencoder--after-save)))

(provide 'hypencoder)

;;; hypencoder.el ends here
