;;; editor_emacs_driver.el --- Batch scenarios for test_editor_emacs.py  -*- lexical-binding: t; -*-

;;; Commentary:

;; Loaded after Clients/emacs/hypencoder.el by `emacs --batch -Q -L Clients/emacs -l
;; hypencoder -l THIS -f hc-test-SCENARIO'.  Each scenario drives the client as a user
;; would (commands, the *hypencoder* buffer, saving a file) against the daemon whose socket
;; is $HYPENCODER_SOCKET, waits for the asynchronous replies with `accept-process-output'
;; loops that give up after `hc-test-timeout' seconds, and writes what it saw as one JSON
;; object to $HC_OUT for the Python test to check.  Inputs come from the environment:
;; HC_ROOT (workspace), HC_QUERY, HC_QUERY2, HC_EDIT_FILE, HC_EDIT_TEXT.

;;; Code:

(require 'hypencoder)
(require 'compile)

(defvar hc-test-timeout (string-to-number (or (getenv "HC_TIMEOUT") "60"))
  "Seconds any wait may take before the scenario fails instead of hanging ($HC_TIMEOUT).")

(defvar hc-test-report nil "What the scenario saw, a plist written to $HC_OUT.")
(defvar hc-test-searches nil "(ID STATUS DATA) of each search that ended, newest first.")
(defvar hc-test-indexes nil "(ROOT STATUS DATA) of each indexing that ended, newest first.")
(defvar hc-test-updates nil "(FILE STATUS DATA) of each save's re-indexing, newest first.")
(defvar hc-test-progress nil "(TOKEN VALUE) of each $/progress notification, newest first.")

(add-hook 'hypencoder-search-functions
          (lambda (id status data) (push (list id status data) hc-test-searches)))
(add-hook 'hypencoder-index-functions
          (lambda (root status data) (push (list root status data) hc-test-indexes)))
(add-hook 'hypencoder-update-functions
          (lambda (file status data) (push (list file status data) hc-test-updates)))
(add-hook 'hypencoder-progress-functions
          (lambda (token value) (push (list token value) hc-test-progress)))

(defun hc-test-put (key value)
  "Record VALUE under KEY in the report."
  (setq hc-test-report (plist-put hc-test-report key value)))

(defun hc-test-json-data (value)
  "VALUE made serializable: symbols (statuses, the `timeout' code) as strings."
  (cond ((and value (symbolp value) (not (keywordp value)) (not (eq value t)))
         (symbol-name value))
        ((and (consp value) (keywordp (car value)))
         (cl-loop for (key item) on value by #'cddr
                  append (list key (hc-test-json-data item))))
        ((vectorp value) (vconcat (mapcar #'hc-test-json-data value)))
        (t value)))

(defun hc-test-entries (entries &rest keys)
  "ENTRIES (lists) oldest first, as a vector of plists with KEYS."
  (vconcat (mapcar (lambda (entry)
                     (hc-test-json-data (cl-mapcan #'list keys entry)))
                   (reverse entries))))

(defun hc-test-write ()
  "Write the report (and everything recorded) to $HC_OUT."
  (hc-test-put :searches (hc-test-entries hc-test-searches :id :status :data))
  (hc-test-put :indexes (hc-test-entries hc-test-indexes :root :status :data))
  (hc-test-put :updates (hc-test-entries hc-test-updates :file :status :data))
  (hc-test-put :progress (hc-test-entries hc-test-progress :token :value))
  (hc-test-put :messages (with-current-buffer (messages-buffer)
                           (buffer-substring-no-properties (point-min) (point-max))))
  (let ((coding-system-for-write 'utf-8-unix))
    (with-temp-file (getenv "HC_OUT")
      (insert (json-serialize hc-test-report :null-object nil :false-object :json-false)))))

(defun hc-test-fail (text)
  "Record the failure TEXT, write the report and exit with status 3."
  (hc-test-put :failure text)
  (hc-test-write)
  (kill-emacs 3))

(defun hc-test-wait (what predicate)
  "Process the daemon's output until PREDICATE holds; fail after `hc-test-timeout'."
  (let ((deadline (+ (float-time) hc-test-timeout)))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (hc-test-fail (format "timed out after %s s waiting for %s" hc-test-timeout what)))
      (accept-process-output nil 0.05))))

(defun hc-test-search-entry (id)
  "The recorded end of search ID, or nil."
  (seq-find (lambda (entry) (eql (car entry) id)) hc-test-searches))

(defun hc-test-index (root)
  "Index ROOT with `hypencoder-index' and wait for it to end."
  (let ((before (length hc-test-indexes)))
    (hypencoder-index root)
    (hc-test-wait "hypencoder-index" (lambda () (> (length hc-test-indexes) before)))))

(defun hc-test-search (query directory)
  "Run `hypencoder-search' for QUERY from DIRECTORY (as `default-directory')."
  (with-temp-buffer
    (setq default-directory (file-name-as-directory directory))
    (hypencoder-search query)))

(defun hc-test-results-buffer ()
  "The *hypencoder* buffer as a plist: text, directory, mode, hits."
  (with-current-buffer "*hypencoder*"
    (list :text (buffer-substring-no-properties (point-min) (point-max))
          :directory default-directory
          :mode (symbol-name major-mode)
          :grepMode (if (derived-mode-p 'grep-mode) t :json-false)
          :query hypencoder-query
          :results (or hypencoder-results []))))

(defun hc-test-visit-first-result ()
  "Move to the first FILE:LINE: line of *hypencoder*, follow it; where did it lead?"
  (with-current-buffer "*hypencoder*"
    (goto-char (point-min))
    (compilation-next-error 1)
    (compile-goto-error)
    (list :file (buffer-file-name) :line (line-number-at-pos)
          :text (buffer-substring-no-properties (line-beginning-position) (line-end-position)))))

(defun hc-test-search-scenario ()
  "Index $HC_ROOT, search it for $HC_QUERY, follow the first result."
  (let ((root (getenv "HC_ROOT")))
    (hc-test-index root)
    (let ((id (hc-test-search (getenv "HC_QUERY") root)))
      (hc-test-put :searchId id)
      (hc-test-wait "the search" (lambda () (hc-test-search-entry id))))
    (hc-test-put :buffer (hc-test-results-buffer))
    (hc-test-put :visited (hc-test-visit-first-result))
    ;; As a user would: M-x hypencoder-search in a file of the workspace (the query comes
    ;; from standard input, which is what the minibuffer reads in batch mode).
    (with-current-buffer (find-file-noselect (getenv "HC_FILE"))
      (let ((id (call-interactively #'hypencoder-search)))
        (hc-test-wait "the search from the file" (lambda () (hc-test-search-entry id)))))
    (hc-test-put :fileBuffer (hc-test-results-buffer))
    (with-current-buffer "*hypencoder*"
      (hc-test-put :fileSearchPath hypencoder-search-path))
    ;; M-x hypencoder-index again, from the root (no project there: `default-directory'):
    ;; it reads nothing, every file is unchanged.
    (let ((before (length hc-test-indexes)))
      (with-temp-buffer
        (setq default-directory (file-name-as-directory root))
        (call-interactively #'hypencoder-index))
      (hc-test-wait "hypencoder-index again" (lambda () (> (length hc-test-indexes) before))))
    (hc-test-write)
    (kill-emacs 0)))

(defun hc-test-index-scenario ()
  "Index $HC_ROOT."
  (hc-test-index (getenv "HC_ROOT"))
  (hc-test-write)
  (kill-emacs 0))

(defun hc-test-cancel-scenario ()
  "Search $HC_ROOT for $HC_QUERY, then at once for $HC_QUERY2."
  (let* ((root (getenv "HC_ROOT"))
         (first (hc-test-search (getenv "HC_QUERY") root))
         (second (hc-test-search (getenv "HC_QUERY2") root)))
    (hc-test-put :firstId first)
    (hc-test-put :secondId second)
    (hc-test-wait "both searches" (lambda () (and (hc-test-search-entry first)
                                                  (hc-test-search-entry second))))
    (hc-test-put :buffer (hc-test-results-buffer))
    (hc-test-write)
    (kill-emacs 0)))

(defun hc-test-cancel-index-scenario ()
  "Start indexing $HC_ROOT, then M-x hypencoder-cancel."
  (hypencoder-index (getenv "HC_ROOT"))
  (call-interactively #'hypencoder-cancel)
  (hc-test-wait "the cancelled indexing" (lambda () hc-test-indexes))
  (hc-test-write)
  (kill-emacs 0))

(defun hc-test-save-scenario ()
  "Index $HC_ROOT, turn on `hypencoder-mode', replace $HC_EDIT_FILE's text, save."
  (let ((root (getenv "HC_ROOT")))
    (hc-test-index root)
    (hypencoder-mode 1)
    (hc-test-put :hookOn (if (memq #'hypencoder--after-save after-save-hook) t :json-false))
    (with-current-buffer (find-file-noselect (getenv "HC_EDIT_FILE"))
      (erase-buffer)
      (insert (getenv "HC_EDIT_TEXT"))
      (save-buffer))
    (hc-test-wait "the re-indexing after the save" (lambda () hc-test-updates))
    (hypencoder-mode -1)
    (hc-test-put :hookOff (if (memq #'hypencoder--after-save after-save-hook) t :json-false))
    (hc-test-write)
    (kill-emacs 0)))

(defun hc-test-unindexed-scenario ()
  "Search $HC_ROOT, which was never indexed."
  (let ((id (hc-test-search (getenv "HC_QUERY") (getenv "HC_ROOT"))))
    (hc-test-wait "the search" (lambda () (hc-test-search-entry id)))
    (hc-test-put :buffer (hc-test-results-buffer))
    (hc-test-write)
    (kill-emacs 0)))

(defun hc-test-no-daemon-scenario ()
  "Run the commands with no daemon at $HYPENCODER_SOCKET; record what each signals."
  (let ((root (getenv "HC_ROOT")))
    (dolist (command (list (lambda () (hc-test-search "a question" root))
                           (lambda () (hypencoder-index root))))
      (hc-test-put (if (plist-get hc-test-report :searchError) :indexError :searchError)
                   (condition-case failure
                       (progn (funcall command) "no error")
                     (user-error (list :type "user-error" :message (error-message-string failure)))
                     (error (list :type (symbol-name (car failure))
                                  :message (error-message-string failure))))))
    ;; Saving still works with the mode on: the hook only says it could not re-index.
    (hypencoder-mode 1)
    (hc-test-put :save (condition-case failure
                           (with-current-buffer (find-file-noselect (getenv "HC_EDIT_FILE"))
                             (goto-char (point-max))
                             (insert "One more line.\n")
                             (save-buffer)
                             "saved")
                         (error (error-message-string failure))))
    (hc-test-write)
    (kill-emacs 0)))

(defun hc-test-socket-path ()
  "Record `hypencoder-socket-path' as the environment makes it, and with the option set."
  (hc-test-put :path (hypencoder-socket-path))
  (let ((hypencoder-socket "/srv/custom/h.sock"))
    (hc-test-put :custom (hypencoder-socket-path)))
  (hc-test-write)
  (kill-emacs 0))

(provide 'editor_emacs_driver)

;;; editor_emacs_driver.el ends here
